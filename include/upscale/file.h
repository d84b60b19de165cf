/* Files: inputs are read only when they are regular files of a sane size (a FIFO would block
 * forever, /dev/zero would never end), and an output path is checked before any work is
 * done, so that a long run never ends in "cannot write" and never replaces what it must not.
 *
 * Every input opened here is remembered (device and inode) for the life of the process, so
 * that an output path naming one of the inputs (the case file, an included file, a table)
 * is refused. */
#ifndef UPSCALE_FILE_H
#define UPSCALE_FILE_H

#include <stdio.h>
#include <sys/types.h>

#include "upscale/error.h"

#define UPSCALE_FILE_MAX_BYTES (1LL << 30) /* largest input file: 1 GiB */
#define UPSCALE_FILE_MAX_LINE (1 << 20)    /* longest line of a text input: 1 MiB */

/* Open path for reading.  A path that cannot be opened gives cannot_open ("PATH: cannot
 * open: REASON"); one that is not a regular file ("PATH: cannot read: a FIFO, not a regular
 * file") or is larger than UPSCALE_FILE_MAX_BYTES gives UPSCALE_ERR_INPUT.  Opening never
 * blocks (O_NONBLOCK until the file is known to be regular). */
upscale_err upscale_file_open_input(const char *path, upscale_err cannot_open, FILE **f);

/* Like getline(3), but a line longer than UPSCALE_FILE_MAX_LINE is not read whole: returns
 * its length, -1 at end of file or on a read error, -2 for a line that is too long. */
ssize_t upscale_file_getline(char **line, size_t *cap, FILE *f);

/* Can path be written as an output (a new file renamed over it at the end)?  Its
 * directory must exist and be writable; an existing path must not be a directory, a
 * device, a FIFO or a socket, nor one of the inputs this process has read, nor read-only
 * unless force is set.  UPSCALE_ERR_IO with one line "cannot write 'PATH': REASON". */
upscale_err upscale_file_check_output(const char *path, int force);

/* Create a new, unique file "PATH.tmp.XXXXXX" beside path (mkstemp: O_CREAT | O_EXCL, so
 * never through a link; mode 0666 minus the umask).  tmp receives its name; returns the
 * open descriptor, or -1 with errno set (tmp then holds the template). */
int upscale_file_temporary(const char *path, char *tmp, size_t size);

#endif
