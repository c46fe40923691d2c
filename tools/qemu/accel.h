/* KVM or TCG: what /dev/kvm answers (the probe), and what cloak runs on
 * given that and what the user asked (the decision, a pure function).
 * The probe goes through a table of system calls so that tests can give it
 * fake answers; the decision never touches the machine. */
#ifndef CLOAK_TOOLS_ACCEL_H
#define CLOAK_TOOLS_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Hypervisors that serve /dev/kvm without hardware virtualization: KVM
 * works there but runs cloak's kernel slower than TCG does, so the
 * automatic choice passes them by (--accel kvm still uses them).  PVM
 * (kvm_pvm) runs the guest in ring 3 and emulates its kernel: 10-20x
 * slower than TCG for cloak, and OVMF does not boot on it. */
#define ACCEL_SOFTWARE_KVM_MODULES "kvm_pvm"
/* A hardware KVM module loaded beside one of those: then KVM is real. */
#define ACCEL_HARDWARE_KVM_MODULES "kvm_intel", "kvm_amd"

#define ACCEL_KVM_DEVICE "/dev/kvm"
#define ACCEL_KVM_GROUP "kvm"       /* the usual owner group of /dev/kvm */

enum accel { ACCEL_TCG, ACCEL_KVM };

/* What the user asked for. */
enum accel_want {
    ACCEL_WANT_DEFAULT,  /* nothing (or RunConfig.Accel true): auto, quiet unless -v */
    ACCEL_WANT_AUTO,     /* --accel auto: KVM where it works, else TCG */
    ACCEL_WANT_KVM,      /* --accel kvm: KVM or an error */
    ACCEL_WANT_TCG,      /* --accel tcg, or RunConfig.Accel false */
};

/* What the probe found, in the order it asks. */
enum kvm_state {
    KVM_OK,              /* opened read-write, API 12, extensions there, a VM created */
    KVM_NO_DEVICE,       /* open: ENOENT/ENODEV/ENXIO */
    KVM_NO_PERMISSION,   /* open: EACCES/EPERM */
    KVM_OPEN_FAILED,     /* open: another errno */
    KVM_BAD_API,         /* KVM_GET_API_VERSION failed or is not 12 */
    KVM_NO_EXTENSION,    /* KVM_CHECK_EXTENSION says a capability QEMU needs is missing */
    KVM_CREATE_VM_FAILED,/* KVM_CREATE_VM failed: virtualization off, nested off, ... */
};

struct kvm_probe {
    char path[256];      /* the device asked */
    enum kvm_state state;
    int err;             /* errno of the failing call, or 0 */
    int api_version;     /* KVM_GET_API_VERSION's answer (KVM_BAD_API) */
    const char *extension; /* the missing capability's name (KVM_NO_EXTENSION) */
    char group[64];      /* the device's group (KVM_NO_PERMISSION), "" if unknown */
    unsigned mode;       /* its permission bits (KVM_NO_PERMISSION), 0 if unknown */
    char software[32];   /* KVM_OK: the module of a software-only KVM serving it, or "" */
};

/* The system calls the probe makes; accel_real_sys() is the real ones. */
struct kvm_sys {
    int (*open)(const char *path, int flags);
    int (*ioctl)(int fd, unsigned long req, unsigned long arg); /* -1 and errno on error */
    int (*close)(int fd);
    /* The name of the group owning path into buf, and its permission
     * bits into *mode; -1 if unknown. */
    int (*group_of)(const char *path, char *buf, size_t len, unsigned *mode);
    /* Whether the kernel module `name` is loaded (/sys/module/NAME). */
    bool (*module_loaded)(const char *name);
};

const struct kvm_sys *accel_real_sys(void);

/* The device to probe: $CLOAK_KVM_DEVICE if set and not empty, else
 * ACCEL_KVM_DEVICE (tests point it at a missing path to see the
 * fallback on a machine that has KVM). */
const char *accel_kvm_path(void);

/* Opens path read-write and asks it what QEMU needs: the API version, the
 * extensions, and a VM (closed again right away); then which module
 * serves it, if a software-only one does. */
void accel_probe(const char *path, const struct kvm_sys *sys, struct kvm_probe *p);

/* Does the decision need the probe?  (Not for TCG: such runs never touch
 * /dev/kvm.) */
bool accel_needs_probe(enum accel_want want);

struct accel_choice {
    enum accel accel;
    bool error;          /* KVM was demanded and cannot be had: refuse (exit 125) */
    bool say;            /* print `reason` once on stderr */
    char reason[1700];   /* why not KVM, or which accelerator and why */
};

/* The decision.  p may be NULL when accel_needs_probe() is false.  The
 * reason is said with verbose, or when the user asked for KVM (auto or
 * kvm); an error always has one. */
void accel_decide(const struct kvm_probe *p, enum accel_want want, bool verbose,
                  struct accel_choice *c);

/* "kvm", "tcg", "auto" -> the want; -1 for anything else. */
int accel_want_parse(const char *s, enum accel_want *want);

#endif
