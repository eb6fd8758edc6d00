// libdeflate (libdeflate-dev), for compressing the gzip'd CloudTrail log and digest files.
#ifndef TRENT_CDEFLATE_SHIM_H
#define TRENT_CDEFLATE_SHIM_H
#include <libdeflate.h>
#endif
