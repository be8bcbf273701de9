#include "kernel.h"
#include "cap.h"

int cap_check_free(const struct cspace *cs, uint64_t slot)
{
	if (slot == 0 || slot >= CSPACE_SLOTS)
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

int cap_delete(struct cspace *cs, uint64_t slot)
{
	if (slot == 0 || slot >= CSPACE_SLOTS)
		return IPC_E_SLOT;
	struct cap c = cs->slot[slot];
	if (c.type == CAP_NULL)
		return IPC_E_EMPTY;
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

uint64_t cap_first_free(const struct cspace *cs, uint64_t from)
{
	for (uint64_t s = from ? from : 1; s < CSPACE_SLOTS; s++)
		if (cs->slot[s].type == CAP_NULL)
			return s;
	return 0;
}
