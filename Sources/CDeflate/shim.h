/* libdeflate: whole-buffer DEFLATE/gzip compression, used for the gzip members of output files. */
#include <libdeflate.h>
