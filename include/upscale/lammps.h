/* LAMMPS output: log.lammps thermo blocks, fix ave/time files, unit styles.
 *
 * A log holds one run per `run` (or `minimize`) command.  The reader returns each run's
 * thermo columns by name, the echoed `timestep` and `units` in effect when the run
 * started, and how the run ended:
 *   - completed: a line starting with "Loop time of" (also when fix halt stopped it early:
 *     steps_done < steps_requested);
 *   - aborted: a line starting with "ERROR" before "Loop time";
 *   - truncated: the file ends (or the next run starts) without either.
 * Layouts handled (all met in /work/shared/data/lammps): several runs with different
 * thermo columns; Step restarting after reset_timestep; `thermo_style multi` records
 * ("---- Step N ----- CPU = ..." followed by "Key = value" triples, no header line);
 * WARNING, PRINT and fix halt lines inside a block (kept out of the data); header padding
 * (fields are split on whitespace); variable-substituted commands echoed twice (the
 * unsubstituted copy is ignored); "Loop time" inside comments (a block ends only at a line
 * that starts with "Loop time of").  A thermo row is a line of numbers whose count equals
 * the header's.  Energies are per atom when `thermo_modify norm yes` (the default in lj
 * units) and totals otherwise: energies_per_atom says which.
 *
 * fix ave/time files: two or three '#' lines, the last naming the columns
 * ("# TimeStep c_msd[1] ... c_msd[4]").  Files written in `mode vector` ("# TimeStep
 * Number-of-rows", "# Row c_msd") are flattened to one row per time step with columns named
 * "c_msd[1]", "c_msd[2]", ..., as in scalar mode.  A file without naming lines (plain
 * whitespace-separated numbers) gets empty column names. */
#ifndef UPSCALE_LAMMPS_H
#define UPSCALE_LAMMPS_H

#include "upscale/error.h"

/* LAMMPS `units` styles and the units of the quantities the importers report. */
typedef enum {
    UPSCALE_LAMMPS_LJ = 0, /* sigma, tau, epsilon; kB = 1; T reduced */
    UPSCALE_LAMMPS_METAL,  /* Angstrom, ps, eV, K */
    UPSCALE_LAMMPS_REAL,   /* Angstrom, fs, kcal/mol, K */
    UPSCALE_LAMMPS_SI,     /* m, s, J, K */
} upscale_lammps_style;

typedef struct {
    upscale_lammps_style style;
    const char *name;        /* "lj", "metal", "real", "si" */
    const char *length;      /* unit text for messages and for upscale_units ("" for lj) */
    const char *time;        /* "ps", "fs", "s"; "tau" in lj (not convertible) */
    const char *energy;      /* "eV", "kcal/mol", "J"; "eps" in lj */
    const char *diffusivity; /* "Angstrom^2/ps", ...; "sigma^2/tau" in lj */
    const char *temperature; /* "K"; "" in lj (reduced, kB T in eps) */
    double kB;               /* Boltzmann constant in energy/temperature */
    double default_timestep; /* LAMMPS default dt when no `timestep` command was given */
    int si_convertible;      /* 0 in lj: sigma and tau are not known */
} upscale_lammps_units;

/* Look up a style by name ("lj", "metal", "real", "si"); NULL if unknown. */
const upscale_lammps_units *upscale_lammps_units_find(const char *name);

/* Columns of numbers with names: a thermo block or a fix ave/time file.  data is row-major
 * (nrows x ncols); lines[i] is the 1-based line of row i in the file. */
typedef struct {
    int ncols, nrows;
    char **names;
    double *data;
    int *lines;
} upscale_lammps_table;

/* Index of the column named `name` (exact match), or -1. */
int upscale_lammps_table_column(const upscale_lammps_table *t, const char *name);
/* Read a fix ave/time output file (or plain columns of numbers).  Malformed rows (a token
 * that is not a number, a row shorter or longer than the header: truncated file) are
 * UPSCALE_ERR_INPUT with message "PATH:LINE: ...". */
upscale_err upscale_lammps_avetime_read(const char *path, upscale_lammps_table **t);
void upscale_lammps_table_destroy(upscale_lammps_table **t);

typedef enum {
    UPSCALE_LAMMPS_RUN_COMPLETED = 0,
    UPSCALE_LAMMPS_RUN_ABORTED,   /* ERROR line, no Loop time */
    UPSCALE_LAMMPS_RUN_TRUNCATED, /* neither Loop time nor ERROR */
} upscale_lammps_run_status;

typedef struct {
    upscale_lammps_table thermo;       /* columns; multi style: Step then the keys in order */
    int multi;                         /* thermo_style multi */
    upscale_lammps_run_status status;  /* how the run ended */
    int start_line;                    /* header (or first multi record) line */
    int end_line;                      /* Loop time / ERROR line; last line if truncated */
    long steps_requested;              /* N of the echoed `run N`; -1 if unknown */
    long steps_done;                   /* N of "Loop time ... for N steps"; -1 if not completed */
    double timestep;                   /* dt in effect (the style's default if never echoed) */
    int timestep_line;                 /* line of the echoed `timestep`; 0: LAMMPS default */
    const upscale_lammps_units *units; /* echoed `units` (lj, LAMMPS's default, if none) */
    int units_line;                    /* line of the echoed `units`; 0: default */
    int energies_per_atom;             /* thermo_modify norm yes */
    char *message;                     /* the ERROR line for aborted runs, else "" */
} upscale_lammps_run;

typedef struct upscale_lammps_log upscale_lammps_log;

/* Read a log.lammps.  Errors: the file cannot be opened (UPSCALE_ERR_IO), an echoed
 * `units` style the importers do not know (UPSCALE_ERR_INPUT, "PATH:LINE: ...").  A log
 * with no thermo block is not an error (nruns = 0). */
upscale_err upscale_lammps_log_read(const char *path, upscale_lammps_log **log);
void upscale_lammps_log_destroy(upscale_lammps_log **log);

const char *upscale_lammps_log_path(const upscale_lammps_log *log);
int upscale_lammps_log_nruns(const upscale_lammps_log *log);
const upscale_lammps_run *upscale_lammps_log_run(const upscale_lammps_log *log, int i);

/* An ERROR line met outside any run (e.g. during setup), with its line; NULL if none. */
const char *upscale_lammps_log_error(const upscale_lammps_log *log, int *line);

/* The runs during which a fix wrote the file `name` (compared by base name): *line is the
 * echoed `fix ID ... file NAME` command, *first the first run after it, *last the run
 * before the matching `unfix ID` (or the last run); *first > *last if no run followed.
 * Returns 1 when found, 0 when the log never names the file. */
int upscale_lammps_log_find_output(const upscale_lammps_log *log, const char *name, int *first,
                                   int *last, int *line);

#endif
