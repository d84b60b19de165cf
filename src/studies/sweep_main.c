/* upscale-sweep: run a sweep file on MPI ranks (`mpiexec -n P upscale sweep SWEEP_FILE`;
 * `upscale sweep` execs this program, so serial commands never load MPI).
 *
 *   1. Every rank reads the sweep file (points are numbered the same everywhere).
 *   2. Rank 0 checks every point (upscale_sweep_validate), creates or resumes the results
 *      file and broadcasts the points still to run, or the exit status if there is nothing
 *      to do or the input is bad (then no point runs).
 *   3. Each working rank takes the next point from a counter on rank 0 with an atomic
 *      MPI_Fetch_and_op (passive target) and runs it; with one rank this is a plain loop.
 *      Rank 0 works too when every rank is on its host (the counter is then shared memory
 *      and needs nothing from rank 0); across hosts, or with --serve, it only serves,
 *      polling every millisecond, so that the counter progresses on any network.
 *   4. Only rank 0 writes.  Other ranks send each finished point's record (non-blocking);
 *      rank 0 appends what it has, its own record included, in one atomic commit after
 *      each of its own points (or as records arrive when it only serves) and the rest at
 *      the end.  A point is "done" once it is in the file; a killed sweep loses at most the
 *      points not yet committed, and the same command resumes it.
 * Only one sweep writes a results file (the lock RESULTS.lock); under mpiexec every rank
 * dies with its launcher (Linux: PR_SET_PDEATHSIG), since OpenMPI puts each rank in its
 * own process group and a SIGKILL to mpiexec would leave them computing.
 * Exit status: 0 every point recorded (a point whose solver failed is a result: its status and
 * message are in the file and the last line counts it), 2 bad input (nothing run), 4 I/O
 * error (stopped; what was committed stays).  Not 3 for failed points: mpiexec turns any
 * non-zero status into an abort banner and a 2 s teardown. */
#include <errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "upscale/file.h"
#include "upscale/strbuf.h"
#include "upscale/sweep.h"
#include "upscale_version.h"

/* After the project's headers: <signal.h> defines si_value, a field of upscale_params_entry. */
#include <signal.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

enum { TAG_RECORD = 1, TAG_DONE = 2 };

static const char usage[] =
    "usage: [mpiexec -n P] upscale sweep SWEEP_FILE [-o RESULTS.h5] [--force] [-q] [--serve]\n"
    "\n"
    "Runs every point of the sweep file (docs/sweeps.md) and appends each point's summary to\n"
    "RESULTS.h5 (default: the sweep file's name with .h5 in the current directory) as soon as\n"
    "it finishes.  Running the same command again resumes: recorded points are skipped.\n"
    "-q prints only the final line.  Rank 0 computes points too when every rank is on its\n"
    "host; otherwise (or with --serve) it only hands out points and writes, sleeping between\n"
    "messages, so that remote ranks never wait for it (start one rank more than cores).\n"
    "One sweep at a time writes RESULTS.h5 (RESULTS.h5.lock); --force replaces a read-only\n"
    "results file.  Under mpiexec the ranks end when mpiexec is killed.\n"
    "\n"
    "exit status: 0 every point recorded (failed points included: their status and message\n"
    "             are in the file, the last line counts them),\n"
    "             2 bad input (nothing run), 4 I/O error (also: the results file is\n"
    "             being written by another sweep, or cannot be written)\n";

typedef struct {
    const char *file, *out;
    int quiet, serve; /* serve: rank 0 only hands out work and writes (see main) */
    int force;        /* replace a read-only results file */
} args;

static int parse(int argc, char **argv, args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            a->out = argv[++i];
        else if (!strcmp(argv[i], "-q"))
            a->quiet = 1;
        else if (!strcmp(argv[i], "--serve"))
            a->serve = 1;
        else if (!strcmp(argv[i], "--force"))
            a->force = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
        else if (!strcmp(argv[i], "-o")) {
            fprintf(stderr, "upscale sweep: option -o needs a value\n");
            return 2;
        } else if (argv[i][0] == '-' || a->file) {
            fprintf(stderr, "upscale sweep: unexpected argument '%s' (upscale sweep --help)\n",
                    argv[i]);
            return 2;
        } else
            a->file = argv[i];
    }
    if (!a->file) {
        fprintf(stderr, "upscale sweep: needs a SWEEP_FILE (upscale sweep --help)\n");
        return 2;
    }
    return 0;
}

static int exit_code(upscale_err e)
{
    return e == UPSCALE_ERR_INPUT ? 2 : (e == UPSCALE_ERR_SOLVER ? 3 : (e ? 4 : 0));
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Rank 0's batch of records waiting for the next commit. */
typedef struct {
    upscale_sweep_record *rec;
    int n, cap;
    int done, failed, limited, total; /* this session */
    int quiet;
    double t0;
} batch;

static int batch_add(batch *b, const upscale_sweep_record *r)
{
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 16;
        upscale_sweep_record *g = realloc(b->rec, sizeof(*g) * cap);
        if (!g) return -1;
        b->rec = g;
        b->cap = cap;
    }
    b->rec[b->n++] = *r;
    return 0;
}

/* Commit the batch; print a line per point. */
static upscale_err flush_batch(batch *b, const upscale_sweep *s, const char *out)
{
    UPSCALE_CALL(upscale_sweep_results_append(s, out, b->rec, b->n));
    int width = b->total >= 1000 ? 4 : b->total >= 100 ? 3 : 2;
    for (int i = 0; i < b->n; i++) {
        const upscale_sweep_record *r = &b->rec[i];
        b->done++;
        if (r->status) b->failed++;
        if (!r->status && r->run.limited) b->limited++;
        if (b->quiet) continue;
        printf("[%*d/%d] point %d on rank %d, %.2f s: ", width, b->done, b->total, r->point,
               r->rank, r->wall_time);
        if (r->status)
            printf("FAILED: %s\n", r->message);
        else if (r->run.limited)
            printf("%s\n", r->message);
        else
            printf("capacity %.6g Ah/m^2, energy %.6g Wh/m^2, mean voltage %.4f V\n",
                   r->run.capacity, r->run.energy, r->run.mean_voltage);
    }
    fflush(stdout);
    b->n = 0;
    return UPSCALE_OK;
}

/* A worker's records in flight to rank 0.  Sends are non-blocking: even a small message
 * may wait for rank 0 to call MPI (it is busy with its own point), and the worker goes on
 * with its next point meanwhile.  Each record is its own allocation (a pending send points
 * at it) and is freed when its send completes. */
typedef struct {
    upscale_sweep_record **rec;
    MPI_Request *req;
    int n, cap;
} outbox;

static int outbox_send(outbox *ob, const upscale_sweep_record *r)
{
    int kept = 0;
    for (int i = 0; i < ob->n; i++) {
        int flag = 0;
        MPI_Test(&ob->req[i], &flag, MPI_STATUS_IGNORE);
        if (flag) {
            free(ob->rec[i]);
        } else {
            ob->rec[kept] = ob->rec[i];
            ob->req[kept++] = ob->req[i];
        }
    }
    ob->n = kept;
    if (ob->n == ob->cap) {
        int cap = ob->cap ? 2 * ob->cap : 16;
        upscale_sweep_record **g = realloc(ob->rec, sizeof(*g) * cap);
        if (g) ob->rec = g;
        MPI_Request *q = realloc(ob->req, sizeof(*q) * cap);
        if (q) ob->req = q;
        if (!g || !q) return -1;
        ob->cap = cap;
    }
    upscale_sweep_record *copy = malloc(sizeof(*copy));
    if (!copy) return -1;
    *copy = *r;
    ob->rec[ob->n] = copy;
    MPI_Isend(copy, (int)sizeof(*copy), MPI_BYTE, 0, TAG_RECORD, MPI_COMM_WORLD, &ob->req[ob->n]);
    ob->n++;
    return 0;
}

static void outbox_finish(outbox *ob)
{
    MPI_Waitall(ob->n, ob->req, MPI_STATUSES_IGNORE);
    for (int i = 0; i < ob->n; i++)
        free(ob->rec[i]);
    ob->n = 0;
}

/* Receive every record that has arrived (tag TAG_RECORD) into the batch; count the
 * TAG_DONE messages of ranks that have no more work. */
static upscale_err drain(batch *b, int *finished)
{
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag) return UPSCALE_OK;
        upscale_sweep_record r;
        MPI_Recv(&r, (int)sizeof(r), MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        if (st.MPI_TAG == TAG_DONE)
            (*finished)++;
        else
            UPSCALE_CHECK(batch_add(b, &r) == 0, UPSCALE_ERR_MEMORY, "out of memory");
    }
}

/* Rank 0 before any point runs: check everything, open the results file, list the work.
 * Returns the exit status to broadcast (0 to go on). */
static int prepare(upscale_sweep *s, const args *a, const char *out, const char *cmdline,
                   int **todo, int *ntodo, int *session, int *failed_before, int size, int *lock)
{
    int n = upscale_sweep_count(s);
    int *done = calloc(n, sizeof(int));
    *todo = malloc(sizeof(int) * n);
    if (!done || !*todo) {
        fprintf(stderr, "upscale sweep: out of memory\n");
        free(done);
        return 4;
    }
    double t0 = now();
    upscale_err e = upscale_sweep_validate(s);
    double tv = now() - t0;
    if (!e) e = upscale_file_check_output(out, a->force);
    if (!e) e = upscale_sweep_results_lock(out, lock);
    if (!e) e = upscale_sweep_results_open(s, out, cmdline, done, session);
    if (e) {
        upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
        free(done);
        return exit_code(e);
    }
    *ntodo = 0;
    *failed_before = 0;
    for (int i = 0; i < n; i++) {
        if (!done[i]) (*todo)[(*ntodo)++] = i;
        if (done[i] == 2) (*failed_before)++;
    }
    free(done);
    if (upscale_sweep_outputs(s) && *ntodo) {
        char path[4096];
        upscale_sweep_point_path(s, out, 0, path, sizeof(path));
        char *slash = strrchr(path, '/');
        if (slash) *slash = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "upscale sweep: cannot create '%s': %s\n", path, strerror(errno));
            return 4;
        }
    }
    if (!a->quiet) {
        printf("sweep %s: %d points over %d key%s, base %s\n", upscale_sweep_name(s), n,
               upscale_sweep_nkeys(s), upscale_sweep_nkeys(s) == 1 ? "" : "s",
               upscale_sweep_base(s));
        printf("checked every point in %.2f s; results in %s (session %d)", tv, out, *session);
        if (*session > 1)
            printf(": %d of %d points already done (%d failed)", n - *ntodo, n, *failed_before);
        printf("; %d to run on %d rank%s\n", *ntodo, size, size > 1 ? "s" : "");
        fflush(stdout);
    }
    return 0;
}

/* Under mpiexec, end with the launcher: a rank whose parent dies gets SIGKILL. */
static void die_with_launcher(void)
{
#ifdef __linux__
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK")) return;
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(4); /* it died before prctl */
#endif
}

/* The next point index of the shared counter (one atomic fetch-and-add on rank 0). */
static long next_index(MPI_Win win)
{
    long one = 1, got = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    MPI_Fetch_and_op(&one, &got, MPI_LONG, 0, 0, MPI_SUM, win);
    MPI_Win_unlock(0, win);
    return got;
}

int main(int argc, char **argv)
{
    die_with_launcher();
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    args a;
    int status = parse(argc, argv, &a);
    if (status) {
        if (rank == 0 && status == 1) fputs(usage, stdout);
        MPI_Finalize();
        return status == 1 ? 0 : 2;
    }
    char out[4096], *cmdline = NULL;
    if (a.out) {
        snprintf(out, sizeof(out), "%s", a.out);
    } else {
        const char *b = strrchr(a.file, '/');
        snprintf(out, sizeof(out), "%s", b ? b + 1 : a.file);
        char *dot = strrchr(out, '.');
        if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))) *dot = '\0';
        strncat(out, ".h5", sizeof(out) - strlen(out) - 1);
    }
    /* the command line as one string (recorded in the results file) */
    if (upscale_strbuf_join_args(argc, argv, &cmdline)) {
        if (rank == 0) upscale_error_print(stderr, 0);
        MPI_Finalize();
        return 4;
    }

    /* 1-2: read (every rank), check and open (rank 0). */
    upscale_sweep *s = NULL;
    upscale_err e = upscale_sweep_load(a.file, &s);
    int *todo = NULL, ntodo = 0, session = 0, failed_before = 0, lock = -1;
    status = exit_code(e);
    if (rank == 0 && e) upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
    if (rank == 0 && !e)
        status = prepare(s, &a, out, cmdline, &todo, &ntodo, &session, &failed_before, size, &lock);
    free(cmdline);
    int head[3] = {status, ntodo, session};
    MPI_Bcast(head, 3, MPI_INT, 0, MPI_COMM_WORLD);
    status = head[0];
    ntodo = head[1];
    session = head[2];
    if (status) {
        upscale_sweep_results_unlock(out, lock);
        upscale_sweep_destroy(&s);
        free(todo);
        MPI_Finalize();
        return status;
    }
    if (!s) {
        /* Rank 0 read the file and this rank cannot (another file system?). */
        upscale_error_print(stderr, 0);
        MPI_Abort(MPI_COMM_WORLD, 4);
    }
    if (rank != 0) todo = malloc(sizeof(int) * (ntodo ? ntodo : 1));
    if (!todo) MPI_Abort(MPI_COMM_WORLD, 5);
    MPI_Bcast(todo, ntodo, MPI_INT, 0, MPI_COMM_WORLD);

    /* 3: the shared counter lives on rank 0. */
    long *counter = NULL;
    MPI_Win win;
    MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(long) : 0, (int)sizeof(long), MPI_INFO_NULL,
                     MPI_COMM_WORLD, &counter, &win);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        *counter = 0;
        MPI_Win_unlock(0, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);

    /* Does rank 0 compute?  On one host the counter is plain shared memory and works
     * while rank 0 is busy; across hosts (or with --serve) rank 0 only serves, polling
     * every millisecond, so the counter and the records always make progress. */
    int compute = 1;
    if (size > 1) {
        MPI_Comm host;
        int on_host;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &host);
        MPI_Comm_size(host, &on_host);
        MPI_Comm_free(&host);
        if (rank == 0) compute = on_host == size && !a.serve;
    }
    batch b = {.total = ntodo, .quiet = a.quiet, .t0 = now()};
    outbox ob = {0};
    int finished = 0;
    e = UPSCALE_OK;
    while (compute) {
        long k = next_index(win);
        if (k >= ntodo) break;
        upscale_sweep_record r;
        char path[4096];
        if (upscale_sweep_outputs(s)) upscale_sweep_point_path(s, out, todo[k], path, sizeof(path));
        upscale_sweep_run_point(s, todo[k], upscale_sweep_outputs(s) ? path : NULL, rank, session,
                                &r);
        if (rank != 0) {
            if (outbox_send(&ob, &r) != 0) MPI_Abort(MPI_COMM_WORLD, 5);
            continue;
        }
        /* 4: rank 0 commits its own record and whatever has arrived. */
        if (!e && batch_add(&b, &r) != 0)
            e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__,
                                  "out of memory");
        if (!e) e = drain(&b, &finished);
        if (!e) e = flush_batch(&b, s, out);
        if (e) break;
    }
    if (rank != 0) {
        upscale_sweep_record none = {.point = -1};
        outbox_finish(&ob);
        MPI_Send(&none, (int)sizeof(none), MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD);
    } else {
        /* The other ranks' points (all of them when rank 0 only serves). */
        while (!e && finished < size - 1) {
            e = drain(&b, &finished);
            if (!e && b.n) {
                e = flush_batch(&b, s, out);
            } else if (!e) {
                struct timespec ms = {0, 1000000};
                nanosleep(&ms, NULL);
            }
        }
        if (e) {
            upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
            fprintf(stderr, "upscale sweep: stopped; the results so far are in '%s'\n", out);
            MPI_Abort(MPI_COMM_WORLD, exit_code(e));
        }
        status = 0;
        int n = upscale_sweep_count(s), failed = failed_before + b.failed;
        printf("%s: %d point%s run in %.1f s on %d rank%s, %d failed, %d stopped at a physical "
               "limit before any step; all %d points recorded, %d finished, %d failed%s\n",
               out, b.done, b.done == 1 ? "" : "s", now() - b.t0, size, size > 1 ? "s" : "",
               b.failed, b.limited, n, n - failed, failed,
               failed || b.limited ? " (status and message in /results/status, /results/messages)"
                                   : "");
    }
    MPI_Win_free(&win);
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    upscale_sweep_results_unlock(out, lock);
    upscale_sweep_destroy(&s);
    free(todo);
    free(b.rec);
    free(ob.rec);
    free(ob.req);
    MPI_Finalize();
    return status;
}
