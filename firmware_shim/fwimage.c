/* Loading firmware images: dlopen of the file, then of private copies. */
#define _GNU_SOURCE
#include "firmware_shim/fwimage.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct instance {
    void *handle;
    int fd; /* the private copy's memfd; -1 for the first instance */
};

struct fwimage {
    char *path;
    unsigned char *bytes; /* the file, for copies */
    size_t len;
    struct instance *inst;
    size_t ninst;
    size_t handed_out;
    size_t shared_bytes; /* fwimage_shared_bytes */
};

static const linkrig_image *descriptor(void *handle)
{
    return dlsym(handle, LINKRIG_IMAGE_SYMBOL);
}

static int check_descriptor(const char *path, const linkrig_image *img, sim_err *err)
{
    if (img == NULL)
        return sim_err_set(err, SIM_EINVAL,
                           "%s is not a linkrig firmware image (it exports no '%s'): build it with "
                           "linkrig_add_firmware() from linkrig's CMake package",
                           path, LINKRIG_IMAGE_SYMBOL);
    /* abi_version and size lead the struct in every ABI, so they are safe to
     * read before anything else is trusted. */
    if (img->abi_version != LINKRIG_BOARD_ABI || img->size != sizeof *img)
        return sim_err_set(err, SIM_EINVAL,
                           "%s was built against board ABI %u (descriptor of %u bytes), but this linkrig speaks "
                           "ABI %u (%zu bytes): rebuild the image against this linkrig's installed package",
                           path, img->abi_version, img->size, LINKRIG_BOARD_ABI, sizeof *img);
    return SIM_OK;
}

static int add_instance(fwimage *f, void *handle, int fd, sim_err *err)
{
    struct instance *n = realloc(f->inst, (f->ninst + 1) * sizeof *n);
    if (n == NULL) {
        dlclose(handle);
        if (fd >= 0)
            close(fd);
        return sim_err_set(err, SIM_ENOMEM, "out of memory loading %s", f->path);
    }
    f->inst = n;
    n[f->ninst].handle = handle;
    n[f->ninst].fd = fd;
    f->ninst++;
    return SIM_OK;
}

fwimage *fwimage_open(const char *path, sim_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        sim_err_set(err, SIM_EINVAL, "firmware image %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        sim_err_set(err, SIM_EINVAL, "firmware image %s: not a regular file", path);
        return NULL;
    }
    fwimage *f = calloc(1, sizeof *f);
    if (f == NULL || (f->path = strdup(path)) == NULL) {
        free(f);
        sim_err_set(err, SIM_ENOMEM, "out of memory");
        return NULL;
    }
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        sim_err_set(err, SIM_EIO, "firmware image %s: %s", path, strerror(errno));
        fwimage_close(f);
        return NULL;
    }
    f->len = (size_t)st.st_size;
    f->bytes = malloc(f->len ? f->len : 1);
    if (f->bytes == NULL || fread(f->bytes, 1, f->len, in) != f->len) {
        fclose(in);
        sim_err_set(err, SIM_EIO, "firmware image %s: cannot read it whole", path);
        fwimage_close(f);
        return NULL;
    }
    fclose(in);
    /* dlopen looks a name without a slash up on the library path; the user
     * means the file. */
    char local[4096];
    const char *name = path;
    if (strchr(path, '/') == NULL) {
        snprintf(local, sizeof local, "./%s", path);
        name = local;
    }
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (h == NULL) {
        sim_err_set(err, SIM_EINVAL, "cannot load firmware image %s: %s", path, dlerror());
        fwimage_close(f);
        return NULL;
    }
    if (check_descriptor(path, descriptor(h), err) != SIM_OK || add_instance(f, h, -1, err) != SIM_OK) {
        if (f->ninst == 0)
            dlclose(h);
        fwimage_close(f);
        return NULL;
    }
    return f;
}

void fwimage_close(fwimage *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->ninst; i++) {
        dlclose(f->inst[i].handle);
        if (f->inst[i].fd >= 0)
            close(f->inst[i].fd);
    }
    free(f->inst);
    free(f->bytes);
    free(f->path);
    free(f);
}

const char *fwimage_path(const fwimage *f)
{
    return f->path;
}

const linkrig_image *fwimage_info(const fwimage *f)
{
    return descriptor(f->inst[0].handle);
}

size_t fwimage_instances(const fwimage *f)
{
    return f->ninst;
}

/* Compares an instance's mapped pages with the file's bytes. The pages are
 * read whole, the redzones AddressSanitizer puts around an instrumented
 * image's globals included: that is not an access to the program's
 * objects, so the check is not instrumented (nor is memcmp used, whose
 * interceptor would check them). */
__attribute__((no_sanitize_address)) static bool same_bytes(const unsigned char *mem, const unsigned char *file,
                                                           size_t n)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(mem[i] ^ file[i]);
    return diff == 0;
}

/* Maps the read-only pages of instance h (its code and constants: the
 * PT_LOAD segments without PF_W) from src_fd, the first copy's memfd, which
 * holds the same bytes. Each copy is a file of its own, so the page cache
 * gives each its own physical pages: a world of 100 devices ran 100 copies
 * of the firmware's code through the CPU's caches, and each event cost
 * three times what it cost with one device. Mapped from one file, every
 * copy runs the same physical pages, while its writable segments (globals,
 * GOT, RELRO) stay its own. A page is remapped only when it lies wholly
 * inside such a segment and its bytes in memory equal the file's (a text
 * relocation would have changed them): then the remap changes nothing the
 * code can see. Returns the bytes remapped; -1 (errno) only when an mmap
 * failed, which may have left the instance unusable. */
static long share_readonly(const fwimage *f, void *h, int src_fd)
{
    struct link_map *lm = NULL;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL)
        return 0;
    ElfW(Ehdr) eh;
    if (f->len < sizeof eh)
        return 0;
    memcpy(&eh, f->bytes, sizeof eh);
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_phentsize != sizeof(ElfW(Phdr)))
        return 0;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (eh.e_phoff > f->len || eh.e_phnum > (f->len - eh.e_phoff) / sizeof(ElfW(Phdr)))
        return 0;
    /* Every header is needed: a writable segment left unread could share a
     * page with a read-only one. Images have about ten. */
    ElfW(Phdr) ph[64];
    size_t n = eh.e_phnum;
    if (n > sizeof ph / sizeof ph[0])
        return 0;
    memcpy(ph, f->bytes + eh.e_phoff, n * sizeof ph[0]);
    long done = 0;
    for (size_t i = 0; i < n; i++) {
        if (ph[i].p_type != PT_LOAD || (ph[i].p_flags & PF_W) || !(ph[i].p_flags & PF_R) ||
            ph[i].p_filesz == 0 || ph[i].p_offset > f->len || ph[i].p_filesz > f->len - ph[i].p_offset)
            continue;
        /* Whole pages, as the loader mapped them from the file; a partial
         * page past the end of the file stays as it is. */
        uintptr_t start = (uintptr_t)lm->l_addr + ph[i].p_vaddr;
        uintptr_t base = start & ~(page - 1);
        if (ph[i].p_offset < start - base)
            continue;
        size_t base_off = ph[i].p_offset - (start - base);
        uintptr_t from = base;
        uintptr_t to = (start + ph[i].p_filesz + page - 1) & ~(page - 1);
        if (base_off + (to - base) > f->len)
            to -= page;
        /* A page that a writable segment also covers is that segment's. */
        for (size_t k = 0; k < n && from < to; k++) {
            if (ph[k].p_type != PT_LOAD || !(ph[k].p_flags & PF_W))
                continue;
            uintptr_t wf = ((uintptr_t)lm->l_addr + ph[k].p_vaddr) & ~(page - 1);
            uintptr_t wt = ((uintptr_t)lm->l_addr + ph[k].p_vaddr + ph[k].p_memsz + page - 1) & ~(page - 1);
            if (wf >= to || wt <= from)
                continue;
            if (wf <= from)
                from = wt;
            else if (wt >= to)
                to = wf;
            else
                to = from; /* in the middle: leave the segment alone */
        }
        if (to <= from)
            continue;
        size_t off = base_off + (from - base);
        if (off % page != 0 || !same_bytes((const unsigned char *)from, f->bytes + off, to - from))
            continue;
        int prot = PROT_READ | ((ph[i].p_flags & PF_X) ? PROT_EXEC : 0);
        if (mmap((void *)from, to - from, prot, MAP_PRIVATE | MAP_FIXED, src_fd, (off_t)off) == MAP_FAILED)
            return -1;
        done += (long)(to - from);
    }
    return done;
}

/* The loader knows a loaded object by its name as well as by its file: an
 * instance an earlier fwimage loaded as /proc/self/fd/N stays loaded
 * (RTLD_NODELETE), and once N is closed and reused, dlopen of that name
 * returns the old instance, with its globals as they were, instead of
 * loading this copy. So the copy gets a descriptor number whose name no
 * loaded object has. Returns that descriptor (fd itself, or a duplicate:
 * fd is then closed), with its name in `name`; -1 and errno otherwise. */
static int fresh_name(int fd, char *name, size_t n)
{
    int taken[64];
    int ntaken = 0;
    for (;;) {
        snprintf(name, n, "/proc/self/fd/%d", fd);
        void *old = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
        if (old == NULL)
            break;
        dlclose(old); /* the reference RTLD_NOLOAD took */
        int next = ntaken < 64 ? dup(fd) : -1;
        if (next < 0) {
            if (ntaken == 64)
                errno = EMFILE;
            int e = errno;
            close(fd);
            while (ntaken > 0)
                close(taken[--ntaken]);
            errno = e;
            return -1;
        }
        taken[ntaken++] = fd;
        fd = next;
    }
    while (ntaken > 0)
        close(taken[--ntaken]);
    return fd;
}

const linkrig_image *fwimage_instantiate(fwimage *f, sim_err *err)
{
    if (f->handed_out < f->ninst)
        return descriptor(f->inst[f->handed_out++].handle);
    int fd = memfd_create("linkrig-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        sim_err_set(err, SIM_EIO, "cannot copy firmware image %s for another device: %s", f->path, strerror(errno));
        return NULL;
    }
    size_t done = 0;
    while (done < f->len) {
        ssize_t w = write(fd, f->bytes + done, f->len - done);
        if (w <= 0) {
            sim_err_set(err, SIM_EIO, "cannot copy firmware image %s for another device: %s", f->path,
                        strerror(errno));
            close(fd);
            return NULL;
        }
        done += (size_t)w;
    }
    /* The copies' bytes never change: later copies map their code from the
     * first one (share_readonly), which must stay what it was. */
    (void)fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    char name[64];
    if ((fd = fresh_name(fd, name, sizeof name)) < 0) {
        sim_err_set(err, SIM_EIO, "cannot load another instance of firmware image %s: %s", f->path,
                    strerror(errno));
        return NULL;
    }
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (h == NULL) {
        sim_err_set(err, SIM_EINVAL, "cannot load another instance of firmware image %s: %s", f->path, dlerror());
        close(fd);
        return NULL;
    }
    if (f->ninst >= 2) {
        long shared = share_readonly(f, h, f->inst[1].fd);
        if (shared < 0) {
            /* The instance's own mapping may be gone: it cannot run. */
            sim_err_set(err, SIM_EIO, "cannot map the code of firmware image %s for another device: %s", f->path,
                        strerror(errno));
            close(fd);
            return NULL;
        }
        f->shared_bytes += (size_t)shared;
    }
    if (add_instance(f, h, fd, err) != SIM_OK)
        return NULL;
    f->handed_out++;
    return descriptor(h);
}

size_t fwimage_shared_bytes(const fwimage *f)
{
    return f->shared_bytes;
}

const char *fwimage_setting_type_name(hal_setting_type t)
{
    switch (t) {
    case HAL_SETTING_STR: return "str";
    case HAL_SETTING_INT: return "int";
    case HAL_SETTING_BOOL: return "bool";
    case HAL_SETTING_INT_LIST: return "int list";
    case HAL_SETTING_IPV4: return "IPv4 address";
    }
    return "?";
}

const hal_setting *fwimage_setting(const linkrig_image *img, const char *key)
{
    for (const hal_setting *s = img->settings; s != NULL && s->key != NULL; s++)
        if (strcmp(s->key, key) == 0)
            return s;
    return NULL;
}

static bool is_int(const char *v)
{
    if (*v == '\0')
        return false;
    char *end;
    errno = 0;
    (void)strtoll(v, &end, 0);
    return *end == '\0' && errno == 0;
}

static bool valid_value(hal_setting_type t, const char *v)
{
    switch (t) {
    case HAL_SETTING_STR:
        return true;
    case HAL_SETTING_INT:
        return is_int(v);
    case HAL_SETTING_BOOL: {
        static const char *const ok[] = {"0", "1", "true", "false", "yes", "no", "on", "off"};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
            if (strcmp(v, ok[i]) == 0)
                return true;
        return false;
    }
    case HAL_SETTING_INT_LIST: {
        if (*v == '\0')
            return true; /* an empty list */
        char buf[512];
        if (strlen(v) >= sizeof buf)
            return false;
        strcpy(buf, v);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if (!is_int(tok))
                return false;
        return v[strlen(v) - 1] != ',' && v[0] != ',' && strstr(v, ",,") == NULL;
    }
    case HAL_SETTING_IPV4: {
        unsigned a, b, c, d;
        char tail;
        return sscanf(v, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a < 256 && b < 256 && c < 256 &&
               d < 256;
    }
    }
    return false;
}

int fwimage_check_setting(const linkrig_image *img, const char *key, const char *value, sim_err *err)
{
    if (img->settings == NULL || img->settings[0].key == NULL)
        return sim_err_set(err, SIM_ESTATE, "image '%s' declares no settings: cannot check '%s'", img->name, key);
    const hal_setting *s = fwimage_setting(img, key);
    if (s == NULL) {
        char known[400] = "";
        size_t n = 0;
        for (const hal_setting *k = img->settings; k->key != NULL && n < sizeof known; k++)
            n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", n ? ", " : "", k->key);
        return sim_err_set(err, SIM_EINVAL, "image '%s' has no setting '%s'; it knows: %s", img->name, key,
                           known);
    }
    if (!valid_value(s->type, value))
        return sim_err_set(err, SIM_EINVAL, "setting '%s' of image '%s' takes %s%s; got '%s'", key, img->name,
                           s->type == HAL_SETTING_BOOL ? "a bool (" : fwimage_setting_type_name(s->type),
                           s->type == HAL_SETTING_BOOL ? "true/false, 1/0, yes/no, on/off)" : "", value);
    return SIM_OK;
}
