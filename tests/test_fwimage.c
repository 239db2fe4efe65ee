/* Loading firmware images (firmware_shim/fwimage.c): one instance per device
 * with its own globals, clear refusals of files that are not images of this
 * board ABI, and the check of --set KEY=VALUE against declared settings.
 *
 * The images are real build products: camera.so from the build tree, and
 * the small shared objects of tests/firmware/ (LINKRIG_TESTFW_DIR). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "firmware_shim/board.h"
#include "firmware_shim/fwimage.h"

#define CAMERA_SO LINKRIG_BUILD_DIR "/camera.so"
#define SPIN_SO LINKRIG_TESTFW_DIR "/spin.so"
#define BAD_ABI_SO LINKRIG_TESTFW_DIR "/bad_abi.so"
#define NOT_IMAGE_SO LINKRIG_TESTFW_DIR "/not_image.so"
#define MISSING_SO LINKRIG_TESTFW_DIR "/no-such-image.so"

static fwimage *open_ok(const char *path)
{
    sim_err err = {0};
    fwimage *f = fwimage_open(path, &err);
    if (f == NULL)
        fail_msg("cannot open %s: %s", path, err.msg);
    return f;
}

static board *board_on(sim *s, const char *name, const linkrig_image *img, sim_err *err)
{
    board_config cfg;
    board_config_default(&cfg);
    cfg.name = name;
    cfg.image = img; /* explicit: NULL would attach the statically linked glue */
    cfg.watchdog_ms = 0;
    return board_create(s, &cfg, err);
}

/* Two devices from one file: two loads, each with its own globals. The glue
 * keeps the attached board in a global of the instance, so a second board
 * can attach only if that global is a different one; and a third board on
 * an instance already in use must be refused, since its calls would reach
 * the wrong device. */
static void two_instances_have_separate_globals(void **state)
{
    (void)state;
    fwimage *f = open_ok(CAMERA_SO);
    sim_err err = {0};
    const linkrig_image *a = fwimage_instantiate(f, &err);
    assert_non_null(a);
    const linkrig_image *b = fwimage_instantiate(f, &err);
    assert_non_null(b);
    assert_int_equal(fwimage_instances(f), 2);
    /* Distinct descriptors and distinct code: two loads, not one shared. */
    assert_ptr_not_equal(a, b);
    assert_ptr_not_equal(a->attach, b->attach);
    assert_string_equal(a->name, "camera");
    assert_string_equal(b->name, "camera");

    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    assert_non_null(s);
    board *b1 = board_on(s, "cam1", a, &err);
    if (b1 == NULL)
        fail_msg("first board: %s", err.msg);
    board *b2 = board_on(s, "cam2", b, &err);
    if (b2 == NULL)
        fail_msg("second board on the second instance: %s", err.msg);
    assert_ptr_equal(board_image(b1), a);
    assert_ptr_equal(board_image(b2), b);

    memset(&err, 0, sizeof err);
    board *b3 = board_on(s, "cam3", a, &err);
    assert_null(b3);
    assert_non_null(strstr(err.msg, "already attached"));

    /* Once its board is gone, the instance can serve another device. */
    board_destroy(b1);
    board *b4 = board_on(s, "cam4", a, &err);
    if (b4 == NULL)
        fail_msg("re-attaching a released instance: %s", err.msg);
    board_destroy(b4);
    board_destroy(b2);
    sim_destroy(s);
    fwimage_close(f);
}

static void non_image_is_refused(void **state)
{
    (void)state;
    sim_err err = {0};
    assert_null(fwimage_open(NOT_IMAGE_SO, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_non_null(strstr(err.msg, "not a linkrig firmware image"));
    assert_non_null(strstr(err.msg, NOT_IMAGE_SO));
}

static void missing_file_is_refused_by_name(void **state)
{
    (void)state;
    sim_err err = {0};
    assert_null(fwimage_open(MISSING_SO, &err));
    assert_int_not_equal(err.code, SIM_OK);
    assert_non_null(strstr(err.msg, MISSING_SO));
}

/* tests/firmware/bad_abi.c exports a descriptor with abi_version 999 and no
 * functions: refusing it must not call into it. */
static void other_board_abi_is_refused(void **state)
{
    (void)state;
    sim_err err = {0};
    assert_null(fwimage_open(BAD_ABI_SO, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_non_null(strstr(err.msg, "board ABI"));
    assert_non_null(strstr(err.msg, "999"));
    assert_non_null(strstr(err.msg, BAD_ABI_SO));
}

static void settings_are_checked_against_the_declaration(void **state)
{
    (void)state;
    fwimage *f = open_ok(CAMERA_SO);
    const linkrig_image *img = fwimage_info(f);
    sim_err err = {0};
    assert_int_equal(fwimage_check_setting(img, "lm.power_cycle", "false", &err), SIM_OK);
    assert_int_equal(fwimage_check_setting(img, "lm.power_cycle", "0", &err), SIM_OK);
    assert_int_equal(fwimage_check_setting(img, "camera.period_ms", "250", &err), SIM_OK);

    /* A misspelt key is refused, naming it and the keys the image knows. */
    memset(&err, 0, sizeof err);
    assert_int_equal(fwimage_check_setting(img, "lm.powercycle", "0", &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "lm.powercycle"));
    assert_non_null(strstr(err.msg, "lm.power_cycle"));
    assert_non_null(strstr(err.msg, "wlan.ssid"));

    /* A value of the wrong type is refused, naming the key and the value. */
    memset(&err, 0, sizeof err);
    assert_int_equal(fwimage_check_setting(img, "camera.period_ms", "abc", &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "camera.period_ms"));
    assert_non_null(strstr(err.msg, "abc"));
    fwimage_close(f);
}

/* An image that declares no settings cannot have --set checked: the caller
 * is told so (SIM_ESTATE, to warn), not that the key is wrong. */
static void image_without_declaration_cannot_check(void **state)
{
    (void)state;
    fwimage *f = open_ok(SPIN_SO);
    const linkrig_image *img = fwimage_info(f);
    assert_null(img->settings);
    sim_err err = {0};
    assert_int_equal(fwimage_check_setting(img, "anything", "1", &err), SIM_ESTATE);
    assert_non_null(strstr(err.msg, "declares no settings"));
    fwimage_close(f);
}

/* The file and inode that back the page holding address a, from
 * /proc/self/maps ("" when not file-backed). */
static void mapping_of(const void *a, char *out, size_t n)
{
    FILE *m = fopen("/proc/self/maps", "r");
    assert_non_null(m);
    char line[512];
    out[0] = '\0';
    while (fgets(line, sizeof line, m) != NULL) {
        unsigned long lo, hi, inode;
        char perms[8], dev[16];
        unsigned long long off;
        int used = 0;
        if (sscanf(line, "%lx-%lx %7s %llx %15s %lu %n", &lo, &hi, perms, &off, dev, &inode, &used) < 6)
            continue;
        if ((uintptr_t)a >= lo && (uintptr_t)a < hi) {
            snprintf(out, n, "%s %lu", dev, inode);
            break;
        }
    }
    fclose(m);
}

/* From the third instance on, code and constants are mapped from the
 * second's pages (fwimage.c, share_readonly): the same physical pages for
 * every device, while each instance keeps its own globals. */
static void copies_share_their_code(void **state)
{
    (void)state;
    fwimage *f = open_ok(CAMERA_SO);
    sim_err err = {0};
    const linkrig_image *img[4];
    for (int i = 0; i < 4; i++) {
        img[i] = fwimage_instantiate(f, &err);
        if (img[i] == NULL)
            fail_msg("instance %d: %s", i, err.msg);
    }
    /* two copies remapped, each at least a page of code */
    assert_true(fwimage_shared_bytes(f) >= 2 * 4096);
    char m0[64], m1[64], m2[64], m3[64];
    mapping_of((const void *)img[0]->attach, m0, sizeof m0);
    mapping_of((const void *)img[1]->attach, m1, sizeof m1);
    mapping_of((const void *)img[2]->attach, m2, sizeof m2);
    mapping_of((const void *)img[3]->attach, m3, sizeof m3);
    assert_true(m1[0] != '\0' && m2[0] != '\0');
    assert_string_equal(m1, m2); /* the second instance's file backs the third's code */
    assert_string_equal(m1, m3);
    assert_string_not_equal(m0, m1); /* the first is the file on disk */
    /* still four sets of globals: four boards attach, one per instance */
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    assert_non_null(s);
    board *b[4];
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "cam%d", i);
        b[i] = board_on(s, name, img[i], &err);
        if (b[i] == NULL)
            fail_msg("board on instance %d: %s", i, err.msg);
    }
    for (int i = 0; i < 4; i++)
        board_destroy(b[i]);
    sim_destroy(s);
    fwimage_close(f);
}

/* Instances stay loaded after fwimage_close (RTLD_NODELETE), and the
 * loader knows them by name: a copy loaded again under a reused
 * /proc/self/fd/N name must be a new load, not the earlier copy with its
 * globals as it left them. */
static void reopening_loads_fresh_copies(void **state)
{
    (void)state;
    sim_err err = {0};
    fwimage *g = open_ok(CAMERA_SO);
    assert_non_null(fwimage_instantiate(g, &err));
    const linkrig_image *old = fwimage_instantiate(g, &err);
    assert_non_null(old);
    fwimage_close(g);
    fwimage *f = open_ok(CAMERA_SO);
    assert_non_null(fwimage_instantiate(f, &err));
    const linkrig_image *now = fwimage_instantiate(f, &err);
    assert_non_null(now);
    assert_ptr_not_equal(now, old);
    assert_ptr_not_equal(now->attach, old->attach);
    fwimage_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_instances_have_separate_globals),
        cmocka_unit_test(copies_share_their_code),
        cmocka_unit_test(reopening_loads_fresh_copies),
        cmocka_unit_test(non_image_is_refused),
        cmocka_unit_test(missing_file_is_refused_by_name),
        cmocka_unit_test(other_board_abi_is_refused),
        cmocka_unit_test(settings_are_checked_against_the_declaration),
        cmocka_unit_test(image_without_declaration_cannot_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
