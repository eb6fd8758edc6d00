// zlib (zlib1g-dev), for the gzip'd CloudTrail log and digest files.
#ifndef TRENT_CZLIB_SHIM_H
#define TRENT_CZLIB_SHIM_H
#include <zlib.h>
#endif
