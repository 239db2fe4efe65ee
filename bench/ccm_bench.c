/* linkrig_ccm_bench - CCMP cost per MPDU (a benchmark, never part of the tests).
 *
 * Prints nanoseconds per MPDU for encrypt + decrypt through a reusable
 * engine (dot11/crypto.h), once with the AES-NI implementation
 * (dot11/ccm_fast.c) and once with OpenSSL's EVP (the portable path), for
 * body sizes of a TCP ACK, a medium frame and a full 1500-octet MSDU.
 * Each figure is the median of --reps runs (default 5) of --frames frames. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dot11/crypto.h"

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ns per encrypt + decrypt of one len-octet body; negative on failure. */
static double run(int impl, size_t len, int frames)
{
    static uint8_t plain[2304], mpdu[2304 + 16], back[2304];
    uint8_t hdr[26], tk[16];
    size_t i, out_len, back_len;
    uint64_t pn;
    dot11_ccm *tx = dot11_ccm_new_impl(DOT11_CCM_TX, impl), *rx = dot11_ccm_new_impl(DOT11_CCM_RX, impl);
    double t0, t;
    int f, ok = tx != NULL && rx != NULL;

    for (i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)(i * 31u);
    for (i = 0; i < sizeof tk; i++)
        tk[i] = (uint8_t)(i + 1);
    memset(hdr, 0, sizeof hdr);
    hdr[0] = 0x88; /* QoS Data, ToDS: what the camera sends */
    hdr[1] = 0x01;
    for (i = 4; i < 22; i++)
        hdr[i] = (uint8_t)i;
    t0 = wall();
    for (f = 1; ok && f <= frames; f++) {
        ok = dot11_ccmp_encrypt_with(tx, tk, hdr, sizeof hdr, (uint64_t)f, 0, plain, len, mpdu, sizeof mpdu,
                                     &out_len) == 0 &&
             dot11_ccmp_decrypt_with(rx, tk, hdr, sizeof hdr, mpdu, out_len, &pn, NULL, back, sizeof back,
                                     &back_len) == 0 &&
             back_len == len;
    }
    t = wall() - t0;
    ok = ok && memcmp(back, plain, len) == 0;
    dot11_ccm_free(tx);
    dot11_ccm_free(rx);
    return ok ? t / frames * 1e9 : -1;
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = { 60, 500, 1500 };
    static const struct {
        int impl;
        const char *name;
    } impls[] = { { DOT11_CCM_IMPL_FAST, "aes-ni" }, { DOT11_CCM_IMPL_PORTABLE, "evp" } };
    int reps = 5, frames = 200000, i, r;
    size_t s, k;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
            frames = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--reps N] [--frames N]\n", argv[0]);
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    if (reps < 1 || reps > 99 || frames < 1) {
        fprintf(stderr, "%s: --reps 1..99, --frames at least 1\n", argv[0]);
        return 2;
    }
    printf("ns per MPDU, encrypt + decrypt (median of %d x %d frames)\n", reps, frames);
    printf("%-8s", "body");
    for (k = 0; k < sizeof impls / sizeof impls[0]; k++)
        printf("%12s", impls[k].name);
    printf("\n");
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double v[2][99];
        /* interleaved, so that other load on the machine hits both alike */
        for (r = 0; r < reps; r++)
            for (k = 0; k < 2; k++)
                v[k][r] = run(impls[k].impl, sizes[s], frames);
        printf("%-8zu", sizes[s]);
        for (k = 0; k < 2; k++) {
            qsort(v[k], (size_t)reps, sizeof v[k][0], cmp_double);
            if (v[k][0] < 0)
                printf("%12s", "n/a");
            else
                printf("%12.0f", v[k][reps / 2]);
        }
        printf("\n");
    }
    return 0;
}
