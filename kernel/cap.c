#include "kernel.h"
#include "cap.h"

int cap_check_free(const struct cspace *cs, uint64_t slot)
{
	if (!cap_slot_valid(slot))
		return IPC_E_SLOT;
	if (cs->slot[slot].type != CAP_NULL)
		return IPC_E_OCCUPIED;
	return IPC_OK;
}

void cap_insert(struct cspace *cs, uint64_t slot, unsigned type, unsigned rights,
                uint64_t badge, void *obj)
{
	KASSERT(cap_check_free(cs, slot) == IPC_OK && type != CAP_NULL && type < CAP_NTYPES);
	obj_get(type, obj);
	cs->slot[slot] = (struct cap){ .type = (uint8_t)type, .rights = (uint8_t)rights,
	                               .badge = badge, .obj = obj };
}

int cap_mint(const struct cap *src, uint64_t rights, uint64_t badge, struct cap *out)
{
	if (rights & ~(uint64_t)RIGHTS_ALL)
		return IPC_E_ARG;
	if (rights & ~(uint64_t)src->rights)
		return IPC_E_RIGHTS;
	if (badge && ((src->type != CAP_NTFN && src->type != CAP_EP) || src->badge))
		return IPC_E_ARG;
	*out = (struct cap){ .type = src->type, .rights = (uint8_t)rights,
	                     .badge = badge ? badge : src->badge, .obj = src->obj };
	return IPC_OK;
}

int cap_delete(struct cspace *cs, uint64_t slot)
{
	struct cap *p;
	int err = cap_get(cs, slot, &p);
	if (err != IPC_OK)
		return err;
	struct cap c = *p;
	/* Empty the slot before releasing: releasing may delete other caps. */
	cs->slot[slot] = (struct cap){ 0 };
	obj_put(c.type, c.obj);
	return IPC_OK;
}

void cap_delete_all(struct cspace *cs)
{
	for (uint64_t s = 1; s < CSPACE_SLOTS; s++)
		if (cs->slot[s].type != CAP_NULL)
			cap_delete(cs, s);
}

int cap_lookup_error(struct cspace *cs, uint64_t slot, unsigned type, unsigned rights)
{
	struct cap *c;
	return cap_lookup(cs, slot, type, rights, &c);
}
