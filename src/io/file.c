/* Files (upscale/file.h): safe opening of inputs, checks of output paths. */
#include "upscale/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The inputs read so far (identity and the name they were opened by). */
typedef struct {
    dev_t dev;
    ino_t ino;
    char *path;
} input;

static input *inputs;
static size_t ninputs, inputs_cap;

static void remember(const struct stat *st, const char *path)
{
    for (size_t i = 0; i < ninputs; i++)
        if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino) return;
    if (ninputs == inputs_cap) {
        size_t cap = inputs_cap ? 2 * inputs_cap : 16;
        input *grown = realloc(inputs, cap * sizeof(*grown));
        if (!grown) return; /* only a check is weakened */
        inputs = grown;
        inputs_cap = cap;
    }
    char *copy = strdup(path);
    if (!copy) return;
    inputs[ninputs++] = (input){st->st_dev, st->st_ino, copy};
}

static const char *input_named(const struct stat *st)
{
    for (size_t i = 0; i < ninputs; i++)
        if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino) return inputs[i].path;
    return NULL;
}

static const char *kind_of(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a regular file";
}

upscale_err upscale_file_open_input(const char *path, upscale_err cannot_open, FILE **f)
{
    UPSCALE_CHECK(path && f, UPSCALE_ERR_INTERNAL, "upscale_file_open_input: NULL argument");
    *f = NULL;
    /* O_NONBLOCK: opening a FIFO without a writer would wait forever. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    UPSCALE_CHECK(fd >= 0, cannot_open, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    upscale_err e = UPSCALE_OK;
    if (fstat(fd, &st) != 0)
        e = upscale_error_set(cannot_open, __FILE__, __LINE__, __func__, "%s: cannot open: %s",
                              path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: cannot read: %s, not a regular file", path, kind_of(st.st_mode));
    else if (st.st_size > UPSCALE_FILE_MAX_BYTES)
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: cannot read: %.3g GB, larger than the %.3g GB an input may have",
                              path, st.st_size / 1e9, UPSCALE_FILE_MAX_BYTES / 1e9);
    else if (fcntl(fd, F_SETFL, 0) != 0 || !(*f = fdopen(fd, "r")))
        e = upscale_error_set(cannot_open, __FILE__, __LINE__, __func__, "%s: cannot open: %s",
                              path, strerror(errno));
    if (e) {
        close(fd);
        return e;
    }
    remember(&st, path);
    return UPSCALE_OK;
}

ssize_t upscale_file_getline(char **line, size_t *cap, FILE *f)
{
    size_t len = 0;
    for (;;) {
        if (*cap < len + 2 || !*line) {
            size_t grown_cap = *cap ? 2 * *cap : 256;
            char *grown = realloc(*line, grown_cap);
            if (!grown) return -1;
            *line = grown;
            *cap = grown_cap;
        }
        if (!fgets(*line + len, (int)(*cap - len < (size_t)INT_MAX ? *cap - len : (size_t)INT_MAX),
                   f))
            return len ? (ssize_t)len : -1;
        len += strlen(*line + len);
        if (len > UPSCALE_FILE_MAX_LINE) return -2;
        if (len && (*line)[len - 1] == '\n') return (ssize_t)len;
    }
}

upscale_err upscale_file_check_output(const char *path, int force)
{
    UPSCALE_CHECK(path && path[0], UPSCALE_ERR_IO, "cannot write '': an empty file name");
    char dir[4096];
    const char *slash = strrchr(path, '/');
    UPSCALE_CHECK(strlen(path) < sizeof(dir), UPSCALE_ERR_IO,
                  "cannot write '%.100s...': name too long", path);
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    UPSCALE_CHECK(!slash || slash[1], UPSCALE_ERR_IO, "cannot write '%s': it names a directory",
                  path);

    struct stat st;
    if (stat(dir, &st) != 0)
        return upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                 "cannot write '%s': directory '%s': %s", path, dir,
                                 errno == ENOENT ? "no such directory" : strerror(errno));
    UPSCALE_CHECK(S_ISDIR(st.st_mode), UPSCALE_ERR_IO, "cannot write '%s': '%s' is not a directory",
                  path, dir);
    UPSCALE_CHECK(access(dir, W_OK | X_OK) == 0, UPSCALE_ERR_IO,
                  "cannot write '%s': directory '%s' is not writable (%s)", path, dir,
                  strerror(errno));

    if (lstat(path, &st) != 0) {
        UPSCALE_CHECK(errno == ENOENT, UPSCALE_ERR_IO, "cannot write '%s': %s", path,
                      strerror(errno));
        return UPSCALE_OK;
    }
    /* The new file replaces a link itself, but a link to an input or a device is refused
     * as well: the user meant what it points to.  A dangling link is simply replaced. */
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) return UPSCALE_OK;
    UPSCALE_CHECK(S_ISREG(st.st_mode), UPSCALE_ERR_IO, "cannot write '%s': it is %s", path,
                  kind_of(st.st_mode));
    const char *in = input_named(&st);
    UPSCALE_CHECK(!in, UPSCALE_ERR_IO,
                  "cannot write '%s': it is an input of this run ('%s'); give another output "
                  "file",
                  path, in);
    /* Read-only for its owner (root could write it, but a 0444 file says "keep"). */
    int read_only = geteuid() == 0 ? !(st.st_mode & 0222) : access(path, W_OK) != 0;
    UPSCALE_CHECK(force || !read_only, UPSCALE_ERR_IO,
                  "cannot write '%s': it is read-only; give --force to replace it", path);
    return UPSCALE_OK;
}

int upscale_file_temporary(const char *path, char *tmp, size_t size)
{
    if (snprintf(tmp, size, "%s.tmp.XXXXXX", path) >= (int)size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) return -1;
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        int err = errno;
        close(fd);
        unlink(tmp);
        errno = err;
        return -1;
    }
    return fd;
}
