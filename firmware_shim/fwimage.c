/* Loading firmware images: dlopen of the file, then of private copies. */
#define _GNU_SOURCE
#include "firmware_shim/fwimage.h"

#include <dlfcn.h>
#include <errno.h>
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

const linkrig_image *fwimage_instantiate(fwimage *f, sim_err *err)
{
    if (f->handed_out < f->ninst)
        return descriptor(f->inst[f->handed_out++].handle);
    int fd = memfd_create("linkrig-image", MFD_CLOEXEC);
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
    char name[64];
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (h == NULL) {
        sim_err_set(err, SIM_EINVAL, "cannot load another instance of firmware image %s: %s", f->path, dlerror());
        close(fd);
        return NULL;
    }
    if (add_instance(f, h, fd, err) != SIM_OK)
        return NULL;
    f->handed_out++;
    return descriptor(h);
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
