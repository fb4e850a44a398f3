// What Debian's libseccomp.a needs beyond the C standard library and POSIX, for a musl link.
// The archive is plain C compiled against glibc: its objects call the C library only through
// standard functions (malloc, fdopen, fwrite, syscall, prctl, ...) and __errno_location,
// __assert_fail and __stack_chk_fail, which musl has with the same signatures, and one
// fortified function (_FORTIFY_SOURCE), which musl lacks: seccomp_export_pfc's fprintf.
#include <stdarg.h>
#include <stdio.h>

int __fprintf_chk(FILE* stream, int flag, const char* format, ...);  // glibc's prototype

int __fprintf_chk(FILE* stream, int flag, const char* format, ...) {
  (void)flag;  // > 0: glibc would refuse %n in a writable format; libseccomp's are literals
  va_list args;
  va_start(args, format);
  const int written = vfprintf(stream, format, args);
  va_end(args);
  return written;
}
