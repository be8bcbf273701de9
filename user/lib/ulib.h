/* The small runtime of ipclab user tasks: console output and checks. */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/string.h"
#include "sys.h"

void uprintf(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* End the calling thread with `code` (also where entry functions return). */
__attribute__((noreturn)) void user_thread_exit(uint64_t code);
/* The name of an error code, for messages. */
const char *uerrname(int64_t err);

#endif
