/* References from capabilities to objects, and what happens at the last. */
#include "cap.h"
#include "ep.h"
#include "frame.h"
#include "ntfn.h"
#include "task.h"

struct ctrl_obj ctrl_object;

static unsigned *refs_of(unsigned type, void *obj)
{
	switch (type) {
	case CAP_CTRL:   return &((struct ctrl_obj *)obj)->refs;
	case CAP_TASK:   return &((struct task *)obj)->refs;
	case CAP_THREAD: return &((struct thread *)obj)->refs;
	case CAP_NTFN:   return &((struct ntfn *)obj)->refs;
	case CAP_EP:     return &((struct ep *)obj)->refs;
	case CAP_FRAME:  return &((struct frame *)obj)->refs;
	default:         panic("reference to an object of type %u", type);   /* a kernel bug: never */
	}
}

int obj_create(uint64_t type, uint64_t arg, void **out)
{
	int err = IPC_E_NOMEM;
	void *obj;
	switch (type) {
	case CAP_NTFN:  obj = ntfn_alloc(); break;
	case CAP_EP:    obj = ep_alloc(); break;
	case CAP_FRAME: obj = frame_alloc(arg, &err); break;
	default:        return IPC_E_ARG;
	}
	if (!obj)
		return err;
	*out = obj;
	return IPC_OK;
}

void obj_get(unsigned type, void *obj)
{
	(*refs_of(type, obj))++;
}

void obj_put(unsigned type, void *obj)
{
	unsigned *r = refs_of(type, obj);
	KASSERT(*r > 0);
	struct task *owner = type == CAP_TASK ? obj : type == CAP_THREAD ? ((struct thread *)obj)->task : NULL;
	if (--*r) {
		if (owner)
			task_check_orphan(owner);
		return;
	}
	switch (type) {
	case CAP_TASK:   task_release(obj); break;
	case CAP_THREAD: thread_release(obj); break;   /* asks task_check_orphan itself */
	case CAP_NTFN:   ntfn_release(obj); break;
	case CAP_EP:     ep_release(obj); break;
	case CAP_FRAME:  frame_release(obj); break;
	default:         break;
	}
}
