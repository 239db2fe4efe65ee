/* The medium's per-channel index: attach order is kept through adds,
 * removals and retunes (the medium draws its random numbers in that order,
 * so any other order would change a run's outputs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "radio_model/medium_index.h"
#include "sim/err.h"

static int node[64];

static void expect_channel(medium_index *ix, int channel, const size_t *want, size_t nwant)
{
    size_t n = 99;
    void *const *got = medium_index_nodes(ix, channel, &n);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_ptr_equal(got[i], &node[want[i]]);
}

static void test_order_kept(void **state)
{
    (void)state;
    medium_index *ix = medium_index_create();
    assert_non_null(ix);
    /* 40 nodes over channels 1, 6, 11 (more than the first allocation). */
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(medium_index_add(ix, i % 3 == 0 ? 1 : i % 3 == 1 ? 6 : 11, &node[i], i), 0);
    size_t n;
    medium_index_nodes(ix, 1, &n);
    assert_int_equal(n, 14);
    medium_index_nodes(ix, 36, &n);
    assert_int_equal(n, 0);
    /* Retune 0, 3 and 39 to channel 36 in reverse order: the list still
     * reads in attach order. */
    medium_index_remove(ix, 6, 1);
    medium_index_remove(ix, 1, 0);
    medium_index_remove(ix, 1, 3);
    assert_int_equal(medium_index_add(ix, 36, &node[3], 3), 0);
    assert_int_equal(medium_index_add(ix, 36, &node[1], 1), 0);
    assert_int_equal(medium_index_add(ix, 36, &node[0], 0), 0);
    expect_channel(ix, 36, (const size_t[]){0, 1, 3}, 3);
    expect_channel(ix, 1, (const size_t[]){6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39}, 12);
    /* A node is on a channel once; removing one that is not there is a no-op. */
    assert_int_equal(medium_index_add(ix, 36, &node[1], 1), SIM_EINVAL);
    medium_index_remove(ix, 36, 2);
    expect_channel(ix, 36, (const size_t[]){0, 1, 3}, 3);
    /* Channels outside the table are refused. */
    assert_int_equal(medium_index_add(ix, MEDIUM_INDEX_CHANNELS, &node[5], 5), SIM_EINVAL);
    assert_int_equal(medium_index_add(ix, -1, &node[5], 5), SIM_EINVAL);
    assert_null(medium_index_nodes(ix, MEDIUM_INDEX_CHANNELS, &n));
    assert_int_equal(n, 0);
    medium_index_destroy(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
