// inprocess_floor.so: the least an in-process layer of hermetic's design costs, for
// bench/floors.py. Loaded with LD_PRELOAD into a CPython, as hermetic's preload library is, it
// loads hermetic's extension module ($FLOOR_DLOPEN) the way that library does, and registers an
// audit hook that does nothing. With any hook registered, CPython builds every audit event's
// arguments (and copies each .pyc for `marshal.loads`), whatever the hook then does.
#include <dlfcn.h>
#include <stdlib.h>

typedef int (*AuditHook)(const char* event, void* args, void* data);
typedef int (*AddAuditHook)(AuditHook hook, void* data);

static int allow_everything(const char* event, void* args, void* data) {
  (void)event;
  (void)args;
  (void)data;
  return 0;
}

__attribute__((constructor)) static void floor_preinit(void) {
  AddAuditHook add = (AddAuditHook)dlsym(RTLD_DEFAULT, "PySys_AddAuditHook");
  if (add == NULL) return;  // not CPython
  const char* library = getenv("FLOOR_DLOPEN");
  if (library != NULL && dlopen(library, RTLD_LAZY | RTLD_GLOBAL) == NULL) abort();
  add(allow_everything, NULL);
}
