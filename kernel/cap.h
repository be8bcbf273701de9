/*
 * Capabilities and capability spaces.
 *
 * Rules:
 * - A task names every object it may touch by a slot of its cspace; a slot
 *   holds at most one capability: a type, rights, a badge and the object.
 * - Every syscall looks its slots up with cap_lookup(), which checks, in
 *   this order: the slot number (IPC_E_SLOT), that the slot is not empty
 *   (IPC_E_EMPTY), the type (IPC_E_TYPE), the rights (IPC_E_RIGHTS); a
 *   slot of any type with cap_get() (the first two), a destination with
 *   cap_check_free() (IPC_E_SLOT, IPC_E_OCCUPIED).
 * - A copy has at most the rights of its source, and a badge only if its
 *   source (a notification or an endpoint capability) had none
 *   (cap_mint); a badged capability's badge is what a receiver learns,
 *   whatever the sender asks (cap_badge).
 * - A capability holds a reference on its object; deleting the last
 *   capability of an object releases it (obj_get/obj_put, object.c).
 * - Slot 0 is never used: it is always empty, so 0 can mean "no slot".
 * Locking: every cspace and every capability under the kernel lock
 * (klock.h), whichever CPU the task's threads run on.
 */
#ifndef CAP_H
#define CAP_H

#include "kernel.h"

struct cap {
	uint8_t type;      /* CAP_* */
	uint8_t rights;    /* RIGHT_* (type and rights side by side: cap_lookup_fast) */
	uint64_t badge;    /* for CAP_NTFN and CAP_EP: what the receiver learns */
	void *obj;
} __attribute__((aligned(32)));   /* 32 bytes: a slot's address is one shifted add */

_Static_assert(offsetof(struct cap, rights) == offsetof(struct cap, type) + 1 &&
               offsetof(struct cap, type) % 2 == 0, "cap_lookup_fast reads type and rights as one halfword");

struct cspace {
	struct cap slot[CSPACE_SLOTS];
};

/* A slot number a syscall may name (slot 0 never holds anything). */
static inline bool cap_slot_valid(uint64_t slot) { return slot != 0 && slot < CSPACE_SLOTS; }

/* The capability in `slot`, whatever its type: IPC_E_SLOT, IPC_E_EMPTY or IPC_OK. */
static inline int cap_get(struct cspace *cs, uint64_t slot, struct cap **out)
{
	if (!cap_slot_valid(slot))
		return IPC_E_SLOT;
	struct cap *c = &cs->slot[slot];
	if (c->type == CAP_NULL)
		return IPC_E_EMPTY;
	*out = c;
	return IPC_OK;
}

/* Inline: every syscall starts here, the IPC fast paths included. */
static inline int cap_lookup(struct cspace *cs, uint64_t slot, unsigned type, unsigned rights,
                             struct cap **out)
{
	struct cap *c;
	int err = cap_get(cs, slot, &c);
	if (err != IPC_OK)
		return err;
	if (c->type != type)
		return IPC_E_TYPE;
	if ((c->rights & rights) != rights)
		return IPC_E_RIGHTS;
	*out = c;
	return IPC_OK;
}
/* cap_lookup's checks in one comparison, for the fast paths: the
 * capability when slot, type and rights all pass, else NULL (the caller
 * then asks cap_lookup_error for the error, which is never IPC_OK then).  The same checks: a valid slot, and
 * the type and rights bytes together, so that an empty slot (type
 * CAP_NULL) and a wrong type or missing right all fail it. */
static inline struct cap *cap_lookup_fast(struct cspace *cs, uint64_t slot, unsigned type,
                                          unsigned rights)
{
	/* The slot's address as an integer first (no pointer is made from a
	 * bad slot): computed before the check, it is one shifted add and
	 * leaves the slot's register free (2 instructions fewer, measured). */
	uintptr_t addr = (uintptr_t)cs->slot + slot * sizeof(struct cap);
	if (unlikely(!cap_slot_valid(slot)))
		return NULL;
	struct cap *c = (struct cap *)addr;
	/* type and rights as one little-endian halfword, type the low byte
	 * (a may_alias type: reading a struct's bytes through it is allowed) */
	typedef uint16_t __attribute__((may_alias)) cap_bytes;
	unsigned both = *(const cap_bytes *)(const void *)&c->type;
	unsigned want = type | rights << 8;
	if (unlikely((both & (0xffu | rights << 8)) != want))
		return NULL;
	return c;
}
/* cap_lookup's error, out of line (cap.c): the fast paths' slow side. */
int cap_lookup_error(struct cspace *cs, uint64_t slot, unsigned type, unsigned rights);
/* IPC_OK when `slot` is a usable empty slot, else IPC_E_SLOT or IPC_E_OCCUPIED. */
int cap_check_free(const struct cspace *cs, uint64_t slot);
/* The capability a copy of src with `rights` and `badge` is (SYS_CAP_COPY):
 * rights only of RIGHTS_ALL (else IPC_E_ARG) and only those src has (else
 * IPC_E_RIGHTS); a badge only on a notification or endpoint capability
 * that has none yet (else IPC_E_ARG), 0 keeping src's badge. */
int cap_mint(const struct cap *src, uint64_t rights, uint64_t badge, struct cap *out);
/* The badge a signal through c carries: c's own when it was minted with
 * one, else the caller's `given` (0 means none: the callers refuse it). */
static inline uint64_t cap_badge(const struct cap *c, uint64_t given) { return c->badge ? c->badge : given; }
/* Put a capability in an empty slot (checked by the caller), taking a reference. */
void cap_insert(struct cspace *cs, uint64_t slot, unsigned type, unsigned rights,
                uint64_t badge, void *obj);
int cap_delete(struct cspace *cs, uint64_t slot);
void cap_delete_all(struct cspace *cs);

/* The object behind CAP_CTRL: the authority to create and to shut down. */
struct ctrl_obj { unsigned refs; };
extern struct ctrl_obj ctrl_object;

/* Object references, one per capability (object.c). */
void obj_get(unsigned type, void *obj);
void obj_put(unsigned type, void *obj);
/* SYS_CREATE: a new object of `type` (CAP_NTFN, CAP_EP, or CAP_FRAME of
 * `arg` pages) in *out; IPC_E_ARG for another type, the pool's error
 * (IPC_E_NOMEM, or IPC_E_RANGE for a frame's size) when none is made. */
int obj_create(uint64_t type, uint64_t arg, void **out);

#endif
