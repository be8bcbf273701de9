/*
 * Capabilities and capability spaces.
 *
 * Rules:
 * - A task names every object it may touch by a slot of its cspace; a slot
 *   holds at most one capability: a type, rights, a badge and the object.
 * - Every syscall looks its slots up with cap_lookup(), which checks, in
 *   this order: the slot number (IPC_E_SLOT), that the slot is not empty
 *   (IPC_E_EMPTY), the type (IPC_E_TYPE), the rights (IPC_E_RIGHTS).
 * - A capability holds a reference on its object; deleting the last
 *   capability of an object releases it (obj_get/obj_put, object.c).
 * - Slot 0 is never used: it is always empty, so 0 can mean "no slot".
 */
#ifndef CAP_H
#define CAP_H

#include "kernel.h"

struct cap {
	uint8_t type;      /* CAP_* */
	uint8_t rights;    /* RIGHT_* */
	uint64_t badge;    /* for CAP_NTFN and CAP_EP: what the receiver learns */
	void *obj;
};

struct cspace {
	struct cap slot[CSPACE_SLOTS];
};

/* Inline: every syscall starts here, the IPC fast paths included. */
static inline int cap_lookup(struct cspace *cs, uint64_t slot, unsigned type, unsigned rights,
                             struct cap **out)
{
	if (slot == 0 || slot >= CSPACE_SLOTS)
		return IPC_E_SLOT;
	struct cap *c = &cs->slot[slot];
	if (c->type == CAP_NULL)
		return IPC_E_EMPTY;
	if (c->type != type)
		return IPC_E_TYPE;
	if ((c->rights & rights) != rights)
		return IPC_E_RIGHTS;
	*out = c;
	return IPC_OK;
}
/* IPC_OK when `slot` is a usable empty slot, else IPC_E_SLOT or IPC_E_OCCUPIED. */
int cap_check_free(const struct cspace *cs, uint64_t slot);
/* Put a capability in an empty slot (checked by the caller), taking a reference. */
void cap_insert(struct cspace *cs, uint64_t slot, unsigned type, unsigned rights,
                uint64_t badge, void *obj);
int cap_delete(struct cspace *cs, uint64_t slot);
void cap_delete_all(struct cspace *cs);
/* The first empty slot at or after `from`, 0 when the cspace is full. */
uint64_t cap_first_free(const struct cspace *cs, uint64_t from);

/* The object behind CAP_CTRL: the authority to create and to shut down. */
struct ctrl_obj { unsigned refs; };
extern struct ctrl_obj ctrl_object;

/* Object references, one per capability (object.c). */
void obj_get(unsigned type, void *obj);
void obj_put(unsigned type, void *obj);

#endif
