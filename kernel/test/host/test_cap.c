/*
 * cap.c: the lookup's order of checks and its error codes, rights,
 * insert/delete with object references, first_free, a full cspace,
 * cap_get (any type) and cap_mint's rules (rights, badges).
 * obj_get/obj_put are stubbed to count references per object.
 */
#include <string.h>
#include "cap.h"
#include "check.h"
#include "stubs.h"

struct fake_obj {
	int refs;
	int released;   /* obj_put() took it to zero */
	unsigned last_type;
};

void obj_get(unsigned type, void *obj)
{
	struct fake_obj *o = obj;
	o->refs++;
	o->last_type = type;
}

void obj_put(unsigned type, void *obj)
{
	struct fake_obj *o = obj;
	KASSERT(o->refs > 0);
	o->last_type = type;
	if (--o->refs == 0)
		o->released++;
}

static struct cspace cs;

static void test_lookup_order(void)
{
	memset(&cs, 0, sizeof cs);
	struct fake_obj o = { 0 };
	struct cap *out = NULL;
	/* Slot number first: out of range beats everything else. */
	CHECK_EQ(cap_lookup(&cs, 0, CAP_NTFN, RIGHT_READ, &out), IPC_E_SLOT);
	CHECK_EQ(cap_lookup(&cs, CSPACE_SLOTS, CAP_NTFN, RIGHT_READ, &out), IPC_E_SLOT);
	CHECK_EQ(cap_lookup(&cs, ~0ull, CAP_NTFN, RIGHT_READ, &out), IPC_E_SLOT);
	CHECK_EQ(cap_lookup(&cs, 1ull << 32 | 5, CAP_NTFN, RIGHT_READ, &out), IPC_E_SLOT);
	/* Then emptiness. */
	CHECK_EQ(cap_lookup(&cs, 5, CAP_NTFN, RIGHT_READ, &out), IPC_E_EMPTY);
	CHECK_EQ(cap_lookup(&cs, CSPACE_SLOTS - 1, CAP_NTFN, 0, &out), IPC_E_EMPTY);
	/* Then the type, before the rights. */
	cap_insert(&cs, 5, CAP_EP, RIGHT_READ, 0, &o);
	CHECK_EQ(cap_lookup(&cs, 5, CAP_NTFN, RIGHT_READ, &out), IPC_E_TYPE);
	CHECK_EQ(cap_lookup(&cs, 5, CAP_NTFN, RIGHT_WRITE, &out), IPC_E_TYPE);
	CHECK_EQ(cap_lookup(&cs, 5, CAP_EP, RIGHT_WRITE, &out), IPC_E_RIGHTS);
	CHECK_EQ(cap_lookup(&cs, 5, CAP_EP, RIGHT_READ | RIGHT_WRITE, &out), IPC_E_RIGHTS);
	CHECK(out == NULL);   /* failed lookups leave *out alone */
	CHECK_EQ(cap_lookup(&cs, 5, CAP_EP, RIGHT_READ, &out), IPC_OK);
	CHECK(out == &cs.slot[5]);
	CHECK(out->obj == &o);
	CHECK_EQ(cap_lookup(&cs, 5, CAP_EP, 0, &out), IPC_OK);
	cap_delete(&cs, 5);
}

static void test_rights(void)
{
	memset(&cs, 0, sizeof cs);
	struct fake_obj o = { 0 };
	struct cap *out;
	for (unsigned have = 0; have <= RIGHTS_ALL; have++) {
		cap_insert(&cs, 7, CAP_NTFN, have, 0, &o);
		for (unsigned need = 0; need <= RIGHTS_ALL; need++) {
			int want = (have & need) == need ? IPC_OK : IPC_E_RIGHTS;
			CHECK_EQ(cap_lookup(&cs, 7, CAP_NTFN, need, &out), want);
		}
		CHECK_EQ(cap_delete(&cs, 7), IPC_OK);
	}
	CHECK_EQ(o.refs, 0);
	CHECK_EQ(o.released, RIGHTS_ALL + 1);
}

static void test_insert_delete_refs(void)
{
	memset(&cs, 0, sizeof cs);
	struct fake_obj a = { 0 }, b = { 0 };
	CHECK_EQ(cap_check_free(&cs, 0), IPC_E_SLOT);
	CHECK_EQ(cap_check_free(&cs, CSPACE_SLOTS), IPC_E_SLOT);
	CHECK_EQ(cap_check_free(&cs, 3), IPC_OK);
	cap_insert(&cs, 3, CAP_FRAME, RIGHTS_ALL, 0, &a);
	cap_insert(&cs, 4, CAP_FRAME, RIGHT_READ, 0, &a);
	cap_insert(&cs, 9, CAP_NTFN, RIGHT_WRITE, 0x55, &b);
	CHECK_EQ(cap_check_free(&cs, 3), IPC_E_OCCUPIED);
	CHECK_EQ(a.refs, 2);
	CHECK_EQ(b.refs, 1);
	CHECK_EQ(cs.slot[9].badge, 0x55);
	CHECK_EQ(cs.slot[4].rights, RIGHT_READ);
	CHECK_EQ(cs.slot[3].type, CAP_FRAME);
	/* Inserting over an occupied slot, slot 0 or a null type is a kernel bug. */
	CHECK(EXPECT_PANIC(cap_insert(&cs, 3, CAP_FRAME, RIGHTS_ALL, 0, &a)));
	CHECK(EXPECT_PANIC(cap_insert(&cs, 0, CAP_FRAME, RIGHTS_ALL, 0, &a)));
	CHECK(EXPECT_PANIC(cap_insert(&cs, 10, CAP_NULL, RIGHTS_ALL, 0, &a)));
	CHECK(EXPECT_PANIC(cap_insert(&cs, 10, CAP_NTYPES, RIGHTS_ALL, 0, &a)));
	CHECK_EQ(a.refs, 2);   /* the refused inserts took no reference */
	CHECK_EQ(cs.slot[10].type, CAP_NULL);
	/* Delete: errors first, then references drop, the last one releases. */
	CHECK_EQ(cap_delete(&cs, 0), IPC_E_SLOT);
	CHECK_EQ(cap_delete(&cs, CSPACE_SLOTS), IPC_E_SLOT);
	CHECK_EQ(cap_delete(&cs, 5), IPC_E_EMPTY);
	CHECK_EQ(cap_delete(&cs, 3), IPC_OK);
	CHECK_EQ(a.refs, 1);
	CHECK_EQ(a.released, 0);
	CHECK_EQ(cs.slot[3].type, CAP_NULL);
	CHECK(cs.slot[3].obj == NULL);
	CHECK_EQ(cap_delete(&cs, 3), IPC_E_EMPTY);
	CHECK_EQ(cap_delete(&cs, 4), IPC_OK);
	CHECK_EQ(a.refs, 0);
	CHECK_EQ(a.released, 1);
	CHECK_EQ(a.last_type, CAP_FRAME);
	cap_delete_all(&cs);
	CHECK_EQ(b.refs, 0);
	CHECK_EQ(b.released, 1);
	CHECK_EQ(b.last_type, CAP_NTFN);
	for (unsigned s = 0; s < CSPACE_SLOTS; s++)
		CHECK_EQ(cs.slot[s].type, CAP_NULL);
}

static void test_full(void)
{
	memset(&cs, 0, sizeof cs);
	struct fake_obj o = { 0 };
	/* Fill every slot: each is occupied, and slots stay intact. */
	for (uint64_t s = 1; s < CSPACE_SLOTS; s++) {
		CHECK_EQ(cap_check_free(&cs, s), IPC_OK);
		cap_insert(&cs, s, CAP_EP, RIGHTS_ALL, s, &o);
	}
	CHECK_EQ(o.refs, CSPACE_SLOTS - 1);
	for (uint64_t s = 1; s < CSPACE_SLOTS; s++)
		CHECK_EQ(cap_check_free(&cs, s), IPC_E_OCCUPIED);
	CHECK_EQ(cs.slot[CSPACE_SLOTS - 1].badge, CSPACE_SLOTS - 1);
	/* Emptying one slot in the middle frees that one only. */
	CHECK_EQ(cap_delete(&cs, 33), IPC_OK);
	CHECK_EQ(cap_check_free(&cs, 33), IPC_OK);
	CHECK_EQ(cap_check_free(&cs, 32), IPC_E_OCCUPIED);
	CHECK_EQ(cap_check_free(&cs, 34), IPC_E_OCCUPIED);
	CHECK_EQ(o.refs, CSPACE_SLOTS - 2);
	cap_delete_all(&cs);
	CHECK_EQ(o.refs, 0);
	CHECK_EQ(o.released, 1);
	CHECK_EQ(cs.slot[0].type, CAP_NULL);
}

static void test_get_and_mint(void)
{
	memset(&cs, 0, sizeof cs);
	struct fake_obj o = { 0 };
	struct cap *out = NULL;
	CHECK_EQ(cap_get(&cs, 0, &out), IPC_E_SLOT);
	CHECK_EQ(cap_get(&cs, CSPACE_SLOTS, &out), IPC_E_SLOT);
	CHECK_EQ(cap_get(&cs, ~0ull, &out), IPC_E_SLOT);
	CHECK_EQ(cap_get(&cs, 9, &out), IPC_E_EMPTY);
	CHECK(out == NULL);
	cap_insert(&cs, 9, CAP_TASK, RIGHT_READ | RIGHT_WRITE, 0, &o);
	CHECK_EQ(cap_get(&cs, 9, &out), IPC_OK);
	CHECK(out == &cs.slot[9]);
	/* cap_delete checks the slot the same way. */
	CHECK_EQ(cap_delete(&cs, 0), IPC_E_SLOT);
	CHECK_EQ(cap_delete(&cs, 10), IPC_E_EMPTY);

	struct cap m;
	const struct cap task = { CAP_TASK, RIGHT_READ | RIGHT_WRITE, 0, &o };
	CHECK_EQ(cap_mint(&task, RIGHT_READ, 0, &m), IPC_OK);
	CHECK(m.type == CAP_TASK && m.rights == RIGHT_READ && m.badge == 0 && m.obj == &o);
	CHECK_EQ(cap_mint(&task, 0, 0, &m), IPC_OK);               /* no right at all is allowed */
	CHECK_EQ(cap_mint(&task, RIGHT_GRANT, 0, &m), IPC_E_RIGHTS);
	CHECK_EQ(cap_mint(&task, 8, 0, &m), IPC_E_ARG);             /* not a right */
	CHECK_EQ(cap_mint(&task, RIGHTS_ALL | 8, 0, &m), IPC_E_ARG); /* ARG before RIGHTS */
	CHECK_EQ(cap_mint(&task, RIGHT_READ, 5, &m), IPC_E_ARG);     /* a task takes no badge */
	const struct cap ep = { CAP_EP, RIGHTS_ALL, 0, &o }, badged = { CAP_NTFN, RIGHTS_ALL, 7, &o };
	CHECK_EQ(cap_mint(&ep, RIGHT_WRITE, 0x99, &m), IPC_OK);
	CHECK(m.type == CAP_EP && m.rights == RIGHT_WRITE && m.badge == 0x99);
	CHECK_EQ(cap_mint(&badged, RIGHT_WRITE, 0, &m), IPC_OK);    /* keeps its badge */
	CHECK_EQ(m.badge, 7);
	CHECK_EQ(cap_mint(&badged, RIGHT_WRITE, 8, &m), IPC_E_ARG); /* never re-badged */
	/* The badge a signal carries: the capability's own wins. */
	CHECK_EQ(cap_badge(&badged, 3), 7);
	CHECK_EQ(cap_badge(&ep, 3), 3);
	CHECK_EQ(cap_badge(&ep, 0), 0);
	cap_delete(&cs, 9);
	CHECK_EQ(o.refs, 0);
}

int main(void)
{
	test_get_and_mint();
	test_lookup_order();
	test_rights();
	test_insert_delete_refs();
	test_full();
	return check_report("cap");
}
