/* cloak's UEFI loader: an EFI application (gnu-efi) started by the firmware
 * as \EFI\BOOT\BOOTX64.EFI.  It reads \cloak\kernel.elf, \cloak\archive.cpio
 * and, if present, \cloak\cmdline.txt from the volume it was loaded from,
 * loads the kernel's PT_LOAD segments at their physical addresses, builds a
 * struct cloak_handoff (include/cloak/boot_handoff.h), exits boot services
 * and jumps to the ELF entry in 64-bit mode with RDI = handoff.
 *
 * It prints nothing on success and one line on failure, then returns to the
 * firmware.  Under SEV-ES or SEV-SNP, which the kernel cannot run, it says
 * so and powers the VM off instead (sev_stop).  Everything it allocates lies
 * below 4 GiB, the part of memory the kernel's boot page tables map.  Speed
 * matters: each file is read with one Read call, memory is copied and
 * cleared by the firmware's CopyMem/SetMem, nothing waits. */
#include <efi.h>

#include "cloak/boot_handoff.h"
#include "cloak/sev_early.h"

#define PAGE_SIZE 4096ULL
#define PAGES(n) (((n) + PAGE_SIZE - 1) / PAGE_SIZE)
#define STACK_SIZE (64 * 1024ULL)  /* the kernel's first stack, LOADER memory */
#define MAP_SLACK 32               /* spare descriptors for allocations to come */
#define MAX_ALLOCS 64
#define LOW_LIMIT 0xffffffffULL    /* highest address the kernel's boot tables map */

/* ---- minimal ELF64 definitions (only what the loader reads) ---- */
struct elf64_ehdr {
    uint8_t e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

/* Build with -DLOADER_TRACE to print a line at each step (for timing the
 * loader from outside, with timestamps on the serial console). */
#ifdef LOADER_TRACE
#define TRACE(s) put(L"cloak loader: " s L"\r\n")
#else
#define TRACE(s) ((void)0)
#endif

static EFI_SYSTEM_TABLE *st;
static EFI_BOOT_SERVICES *bs;

/* Every page allocation, so that a failure can give them all back. */
static struct { EFI_PHYSICAL_ADDRESS base; UINTN pages; } allocs[MAX_ALLOCS];
static UINTN nallocs;

/* ---- console: one line on failure ---- */
static void put(const CHAR16 *s) {
    st->ConOut->OutputString(st->ConOut, (CHAR16 *)s);
}

static void put_hex(UINT64 v) {
    CHAR16 buf[19];
    int i = 18;
    buf[i] = 0;
    do {
        buf[--i] = L"0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v && i > 2);
    buf[--i] = L'x';
    buf[--i] = L'0';
    put(buf + i);
}

/* fail() prints "cloak loader: WHAT[ NAME][ (status 0x...)]" as one line
 * (fail_rest() the same without the prefix, for a line already begun) and
 * gives back every page the loader took; returns the status to hand to the
 * firmware. */
static EFI_STATUS fail_rest(const CHAR16 *what, const CHAR16 *name, EFI_STATUS status) {
    put(what);
    if (name) {
        put(L" ");
        put(name);
    }
    if (status != EFI_LOAD_ERROR) {
        put(L" (status ");
        put_hex(status);
        put(L")");
    }
    put(L"\r\n");
    while (nallocs > 0) {
        nallocs--;
        bs->FreePages(allocs[nallocs].base, allocs[nallocs].pages);
    }
    return status;
}

static EFI_STATUS fail(const CHAR16 *what, const CHAR16 *name, EFI_STATUS status) {
    put(L"cloak loader: ");
    return fail_rest(what, name, status);
}

/* type AllocateAddress: exactly at *addr; AllocateMaxAddress: anywhere
 * below 4 GiB (*addr is set here). */
static EFI_STATUS alloc_pages(EFI_ALLOCATE_TYPE type, UINTN pages, EFI_PHYSICAL_ADDRESS *addr) {
    if (nallocs == MAX_ALLOCS)
        return EFI_OUT_OF_RESOURCES;
    if (type == AllocateMaxAddress)
        *addr = LOW_LIMIT;
    EFI_STATUS s = bs->AllocatePages(type, EfiLoaderData, pages, addr);
    if (!EFI_ERROR(s)) {
        allocs[nallocs].base = *addr;
        allocs[nallocs].pages = pages;
        nallocs++;
    }
    return s;
}

static void free_last_alloc(EFI_PHYSICAL_ADDRESS base) {
    for (UINTN i = nallocs; i-- > 0;) {
        if (allocs[i].base == base) {
            bs->FreePages(allocs[i].base, allocs[i].pages);
            allocs[i] = allocs[--nallocs];
            return;
        }
    }
}

/* ---- files ---- */
struct file {
    EFI_PHYSICAL_ADDRESS base; /* page aligned, LoaderData */
    UINT64 size;
};

/* Reads a whole file into fresh pages with one Read call; `extra` bytes
 * beyond the file are allocated too and cleared (room for a NUL).  Returns
 * EFI_NOT_FOUND untouched so that the caller can treat the file as optional;
 * other faults are reported here. */
static EFI_STATUS read_file(EFI_FILE_HANDLE root, const CHAR16 *path, UINTN extra, struct file *out) {
    EFI_FILE_HANDLE f;
    EFI_STATUS s = root->Open(root, &f, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
    if (s == EFI_NOT_FOUND)
        return s;
    if (EFI_ERROR(s))
        return fail(L"cannot open", path, s);

    EFI_GUID info_id = EFI_FILE_INFO_ID;
    UINT64 infobuf[64]; /* EFI_FILE_INFO + a short name, 8-byte aligned */
    UINTN infosize = sizeof infobuf;
    s = f->GetInfo(f, &info_id, &infosize, infobuf);
    if (EFI_ERROR(s)) {
        f->Close(f);
        return fail(L"cannot stat", path, s);
    }
    EFI_FILE_INFO *info = (EFI_FILE_INFO *)infobuf;
    if (info->Attribute & EFI_FILE_DIRECTORY) {
        f->Close(f);
        return fail(L"is a directory:", path, EFI_LOAD_ERROR);
    }
    UINT64 size = info->FileSize;
    UINTN pages = PAGES(size + extra);
    if (pages == 0)
        pages = 1;
    EFI_PHYSICAL_ADDRESS base;
    s = alloc_pages(AllocateMaxAddress, pages, &base);
    if (EFI_ERROR(s)) {
        f->Close(f);
        return fail(L"out of memory for", path, s);
    }
    UINTN n = size;
    s = size ? f->Read(f, &n, (void *)(UINTN)base) : EFI_SUCCESS;
    f->Close(f);
    if (EFI_ERROR(s))
        return fail(L"cannot read", path, s);
    if (n != size)
        return fail(L"short read of", path, EFI_LOAD_ERROR);
    if (extra)
        bs->SetMem((void *)(UINTN)(base + size), extra, 0);
    out->base = base;
    out->size = size;
    return EFI_SUCCESS;
}

/* \cloak\cmdline.txt, NUL-terminated, without the trailing newline an
 * editor or echo leaves; optional (c->base stays 0 without it). */
static EFI_STATUS read_cmdline(EFI_FILE_HANDLE root, struct file *c) {
    EFI_STATUS s = read_file(root, L"\\cloak\\cmdline.txt", 1, c);
    if (s == EFI_NOT_FOUND) {
        c->base = 0;
        c->size = 0;
        return EFI_SUCCESS;
    }
    if (EFI_ERROR(s))
        return s;
    char *t = (char *)(UINTN)c->base;
    while (c->size > 0 && (t[c->size - 1] == '\n' || t[c->size - 1] == '\r' || t[c->size - 1] == ' '))
        t[--c->size] = 0;
    return EFI_SUCCESS;
}

/* ---- kernel ELF ---- */
static const CHAR16 kernel_path[] = L"\\cloak\\kernel.elf";

static EFI_STATUS bad_kernel(const CHAR16 *why) {
    return fail(L"\\cloak\\kernel.elf:", why, EFI_LOAD_ERROR);
}

/* Checks the ELF image and copies its PT_LOAD segments to their physical
 * addresses (allocated there as LoaderData); *entry gets e_entry. */
static EFI_STATUS load_kernel(const struct file *k, UINT64 *entry) {
    const uint8_t *img = (const uint8_t *)(UINTN)k->base;
    const struct elf64_ehdr *eh = (const struct elf64_ehdr *)img;

    if (k->size < sizeof *eh || img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' || img[3] != 'F')
        return bad_kernel(L"not an ELF file");
    if (img[4] != ELFCLASS64 || img[5] != ELFDATA2LSB)
        return bad_kernel(L"not ELF64 little-endian");
    if (eh->e_machine != EM_X86_64)
        return bad_kernel(L"not x86-64");
    if (eh->e_type != ET_EXEC)
        return bad_kernel(L"not an executable (ET_EXEC)");
    if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0)
        return bad_kernel(L"no program headers");
    if (eh->e_phoff > k->size ||
        (k->size - eh->e_phoff) / sizeof(struct elf64_phdr) < eh->e_phnum)
        return bad_kernel(L"program headers beyond the end of the file");

    const struct elf64_phdr *ph = (const struct elf64_phdr *)(img + eh->e_phoff);
    UINT64 done_end = 0; /* end (page aligned) of the pages allocated so far */
    BOOLEAN entry_ok = FALSE;
    UINTN nload = 0;

    /* First pass: validate everything before touching memory. */
    for (UINTN i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *p = &ph[i];
        if (p->p_type != PT_LOAD || p->p_memsz == 0)
            continue;
        if (p->p_offset > k->size || p->p_filesz > k->size - p->p_offset)
            return bad_kernel(L"segment beyond the end of the file");
        if (p->p_filesz > p->p_memsz)
            return bad_kernel(L"segment file size exceeds memory size");
        if (p->p_paddr + p->p_memsz < p->p_paddr || p->p_paddr + p->p_memsz > (1ULL << 46))
            return bad_kernel(L"segment address out of range");
        if (p->p_paddr < done_end)
            return bad_kernel(L"segments overlap or are not in address order");
        done_end = p->p_paddr + p->p_memsz;
        if (eh->e_entry >= p->p_paddr && eh->e_entry < p->p_paddr + p->p_memsz)
            entry_ok = TRUE;
        nload++;
    }
    if (nload == 0)
        return bad_kernel(L"no loadable segment");
    if (!entry_ok)
        return bad_kernel(L"entry point outside the loaded segments");

    /* Second pass: allocate (a page shared with the previous segment is
     * already ours), copy, clear. */
    done_end = 0;
    for (UINTN i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *p = &ph[i];
        if (p->p_type != PT_LOAD || p->p_memsz == 0)
            continue;
        UINT64 start = p->p_paddr & ~(PAGE_SIZE - 1);
        UINT64 end = (p->p_paddr + p->p_memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        if (start < done_end)
            start = done_end;
        if (start < end) {
            EFI_PHYSICAL_ADDRESS a = start;
            EFI_STATUS s = alloc_pages(AllocateAddress, (end - start) / PAGE_SIZE, &a);
            if (EFI_ERROR(s)) {
                put(L"cloak loader: kernel segment at ");
                put_hex(start);
                return fail_rest(L" is not free memory", NULL, s);
            }
            done_end = end;
        }
        if (p->p_filesz)
            bs->CopyMem((void *)(UINTN)p->p_paddr, (void *)(img + p->p_offset), p->p_filesz);
        if (p->p_memsz > p->p_filesz)
            bs->SetMem((void *)(UINTN)(p->p_paddr + p->p_filesz), p->p_memsz - p->p_filesz, 0);
    }
    *entry = eh->e_entry;
    return EFI_SUCCESS;
}

/* ---- SEV-ES and SEV-SNP ---- */
static void cpuid(UINT32 leaf, UINT32 r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* SEV_STATUS, read only where CPUID says this is an AMD processor with SEV:
 * elsewhere the MSR does not exist and RDMSR raises #GP, which the firmware
 * treats as fatal.  The loader may use CPUID and the console freely, even
 * under SEV-ES: the firmware's #VC handler serves them.  (A hypervisor that
 * hides the SEV bit gets past this check, not past the kernel's own early
 * check, which reads the MSR without asking CPUID and stops the guest.) */
static BOOLEAN read_sev_status(UINT64 *status) {
    UINT32 r[4];
    cpuid(0, r);
    if (r[1] != 0x68747541 || r[3] != 0x69746e65 || r[2] != 0x444d4163) /* AuthenticAMD */
        return FALSE;
    cpuid(0x80000000, r);
    if (r[0] < 0x8000001f)
        return FALSE;
    cpuid(0x8000001f, r);
    if (!(r[0] & 2)) /* SEV */
        return FALSE;
    UINT32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_SEV_STATUS));
    *status = ((UINT64)hi << 32) | lo;
    return TRUE;
}

/* The kernel cannot run under SEV-ES or SEV-SNP (no #VC handler yet).  If
 * either is active, or simulated by the command-line word sev-status-sim=HEX
 * (the same decision, for machines without them), say why on the firmware
 * console, with the line cloak reads as the kernel's refusal (status 126),
 * and power the VM off: returning to the firmware would leave a cloud VM
 * waiting in its boot menu.  Returns only if the boot may go on (or, as an
 * error, if the firmware did not power off). */
static EFI_STATUS sev_stop(const char *cmdline, UINTN cmdline_max) {
    UINT64 status = 0, sim;
    BOOLEAN simulated = FALSE;
    BOOLEAN readable = read_sev_status(&status);
    enum sev_early_action a = sev_early_decide(readable, status);
    if (a == SEV_EARLY_GO && cmdline &&
        cmdline_word_hex(cmdline, cmdline_max, SEV_STATUS_SIM_WORD, &sim)) {
        simulated = TRUE;
        status = sim;
        a = sev_early_decide(TRUE, sim);
    }
    if (a == SEV_EARLY_GO)
        return EFI_SUCCESS;
    put(simulated ? L"cloak loader: sev-status-sim: SIMULATED SEV_STATUS " : L"cloak loader: SEV_STATUS ");
    put_hex(status);
    put(a == SEV_EARLY_STOP_SNP ? L": SEV-SNP is active\r\n" : L": SEV-ES is active\r\n");
    put(L"cloak loader: cloak runs plain SEV only (SEV-ES and SEV-SNP need a #VC handler "
        L"it does not have yet): powering off\r\n");
    put(L"@@cloak-exit 126 refused\r\n");
    st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_UNSUPPORTED, 0, NULL);
    return fail(L"the firmware did not power off", NULL, EFI_UNSUPPORTED);
}

/* ---- ACPI ---- */
static BOOLEAN guid_eq(const EFI_GUID *a, const EFI_GUID *b) {
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (int i = 0; i < 16; i++)
        if (x[i] != y[i])
            return FALSE;
    return TRUE;
}

static UINT64 find_rsdp(void) {
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    UINT64 v1 = 0;
    for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
        EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
        if (guid_eq(&t->VendorGuid, &acpi20))
            return (UINT64)(UINTN)t->VendorTable;
        if (guid_eq(&t->VendorGuid, &acpi10))
            v1 = (UINT64)(UINTN)t->VendorTable;
    }
    return v1;
}

/* ---- memory map ---- */
static uint32_t map_type(UINT32 efi_type) {
    switch (efi_type) {
    case EfiConventionalMemory:
    case EfiBootServicesCode:
    case EfiBootServicesData:
        return CLOAK_MEM_USABLE;
    case EfiLoaderCode:
    case EfiLoaderData:
        return CLOAK_MEM_LOADER;
    case EfiACPIReclaimMemory:
        return CLOAK_MEM_ACPI_RECLAIM;
    case EfiACPIMemoryNVS:
        return CLOAK_MEM_ACPI_NVS;
    default:
        return CLOAK_MEM_RESERVED;
    }
}

/* Converts the final EFI map into sorted, merged cloak ranges.  Runs after
 * ExitBootServices: no firmware calls, no allocation. */
static uint32_t convert_map(const uint8_t *map, UINTN map_size, UINTN desc_size,
                            struct cloak_mem_range *out) {
    uint32_t n = 0;
    for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
        const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(map + off);
        if (d->NumberOfPages == 0)
            continue;
        struct cloak_mem_range r = {
            .base = d->PhysicalStart,
            .length = d->NumberOfPages * PAGE_SIZE,
            .type = map_type(d->Type),
            .reserved = 0,
        };
        /* insertion sort by base; the firmware's map is usually sorted
         * already, so this is linear in practice */
        uint32_t j = n;
        while (j > 0 && out[j - 1].base > r.base) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = r;
        n++;
    }
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (m > 0 && out[m - 1].type == out[i].type &&
            out[m - 1].base + out[m - 1].length == out[i].base)
            out[m - 1].length += out[i].length;
        else
            out[m++] = out[i];
    }
    return m;
}

/* The kernel gets RDI = handoff, a fresh stack in LOADER memory (with a zero
 * return address on it, as after a call), interrupts off. */
static void __attribute__((noreturn)) enter_kernel(UINT64 entry, UINT64 stack_top, UINT64 handoff) {
    __asm__ volatile("cli\n\t"
                     "mov %0, %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "push %%rbp\n\t"
                     "jmp *%1"
                     :
                     : "a"(stack_top), "c"(entry), "D"(handoff)
                     : "memory");
    __builtin_unreachable();
}

/* The command line, the SEV-ES/SNP decision, the kernel (placed at its
 * addresses) and the boot archive, in that order: the command line may ask
 * for the decision to be simulated, and the decision comes before anything
 * is loaded. */
static EFI_STATUS load_files(EFI_FILE_HANDLE root, struct file *archive, struct file *cmdline,
                             UINT64 *entry) {
    struct file kfile;
    EFI_STATUS s = read_cmdline(root, cmdline);
    if (EFI_ERROR(s))
        return s;
    s = sev_stop(cmdline->base ? (const char *)(UINTN)cmdline->base : NULL, cmdline->size + 1);
    if (EFI_ERROR(s))
        return s;

    /* Kernel: read, check, place; then give the file's pages back. */
    s = read_file(root, kernel_path, 0, &kfile);
    if (s == EFI_NOT_FOUND)
        s = fail(L"missing", kernel_path, s);
    if (EFI_ERROR(s))
        return s;
    TRACE(L"kernel read");
    s = load_kernel(&kfile, entry);
    if (EFI_ERROR(s))
        return s;
    free_last_alloc(kfile.base);

    TRACE(L"kernel loaded");
    s = read_file(root, L"\\cloak\\archive.cpio", 0, archive);
    if (s == EFI_NOT_FOUND)
        s = fail(L"missing", L"\\cloak\\archive.cpio", s);
    return s;
}

#ifdef LOADER_TRACE
/* The map as it stands now, converted, and where everything is, for
 * whoever reads the trace. */
static void trace_state(uint8_t *map, UINTN map_cap, UINTN desc_size, struct cloak_mem_range *ranges,
                        UINT64 entry, UINT64 block, UINT64 archive) {
    UINTN map_size = map_cap, map_key;
    UINT32 desc_version;
    if (!EFI_ERROR(bs->GetMemoryMap(&map_size, (EFI_MEMORY_DESCRIPTOR *)map, &map_key,
                                    &desc_size, &desc_version))) {
        uint32_t n = convert_map(map, map_size, desc_size, ranges);
        for (uint32_t i = 0; i < n; i++) {
            put(L"cloak loader: range ");
            put_hex(ranges[i].base);
            put(L" ");
            put_hex(ranges[i].base + ranges[i].length);
            put(L" type ");
            put_hex(ranges[i].type);
            put(L"\r\n");
        }
    }
    UINT64 cr3;
    struct __attribute__((packed)) { UINT16 limit; UINT64 base; } gdtr;
    __asm__ volatile("mov %%cr3, %0; sgdt %1" : "=r"(cr3), "=m"(gdtr));
    put(L"cloak loader: cr3 ");
    put_hex(cr3);
    put(L" gdt ");
    put_hex(gdtr.base);
    put(L" stack ");
    put_hex((UINT64)(UINTN)&cr3);
    put(L"\r\n");
    put(L"cloak loader: kernel entry ");
    put_hex(entry);
    put(L" handoff ");
    put_hex(block);
    put(L" archive ");
    put_hex(archive);
    put(L"\r\n");
}
#endif

/* Builds the handoff, exits boot services and jumps to the kernel; returns
 * only on failure. */
static EFI_STATUS start_kernel(EFI_HANDLE image, UINT64 entry, const struct file *archive,
                               const struct file *cmdline) {
    /* Size the memory map, then allocate in one block, before the final
     * GetMemoryMap: handoff | ranges | EFI map buffer | kernel stack. */
    UINTN map_size = 0, map_key, desc_size;
    UINT32 desc_version;
    EFI_STATUS s = bs->GetMemoryMap(&map_size, NULL, &map_key, &desc_size, &desc_version);
    if (s != EFI_BUFFER_TOO_SMALL)
        return fail(L"GetMemoryMap failed", NULL, s);
    UINTN ndesc = map_size / desc_size + MAP_SLACK;
    UINTN map_cap = ndesc * desc_size;
    UINTN off_ranges = (sizeof(struct cloak_handoff) + 15) & ~15ULL;
    UINTN off_map = (off_ranges + ndesc * sizeof(struct cloak_mem_range) + 15) & ~15ULL;
    UINTN off_stack = (off_map + map_cap + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    UINTN total = off_stack + STACK_SIZE;
    EFI_PHYSICAL_ADDRESS block;
    s = alloc_pages(AllocateMaxAddress, PAGES(total), &block);
    if (EFI_ERROR(s))
        return fail(L"out of memory for the handoff", NULL, s);

    struct cloak_handoff *h = (struct cloak_handoff *)(UINTN)block;
    struct cloak_mem_range *ranges = (struct cloak_mem_range *)(UINTN)(block + off_ranges);
    uint8_t *map = (uint8_t *)(UINTN)(block + off_map);
    h->magic = CLOAK_HANDOFF_MAGIC;
    h->rsdp = find_rsdp();
    h->archive_base = archive->base;
    h->archive_size = archive->size;
    h->cmdline = cmdline->base;
    h->mem_ranges = (UINT64)(UINTN)ranges;
    h->mem_range_count = 0;
    h->flags = CLOAK_HANDOFF_F_UEFI;
#ifdef LOADER_TRACE
    trace_state(map, map_cap, desc_size, ranges, entry, block, archive->base);
#endif

    /* Final map and exit.  If the map changed between the two calls,
     * ExitBootServices returns EFI_INVALID_PARAMETER and the spec asks for
     * GetMemoryMap again; after a first failed attempt only those two
     * services may be used. */
    TRACE(L"exiting boot services");
    for (int attempt = 0;; attempt++) {
        map_size = map_cap;
        s = bs->GetMemoryMap(&map_size, (EFI_MEMORY_DESCRIPTOR *)map, &map_key, &desc_size,
                             &desc_version);
        if (EFI_ERROR(s))
            return attempt == 0 ? fail(L"GetMemoryMap failed", NULL, s) : s;
        s = bs->ExitBootServices(image, map_key);
        if (s == EFI_SUCCESS)
            break;
        if (s != EFI_INVALID_PARAMETER || attempt >= 8)
            return attempt == 0 ? fail(L"ExitBootServices failed", NULL, s) : s;
    }
    __asm__ volatile("cli");
    h->mem_range_count = convert_map(map, map_size, desc_size, ranges);
    enter_kernel(entry, block + total, (UINT64)(UINTN)h);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab) {
    st = systab;
    bs = systab->BootServices;
    EFI_STATUS s;
    TRACE(L"start");

    /* The volume this loader came from. */
    EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
    EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
    EFI_LOADED_IMAGE *li;
    s = bs->HandleProtocol(image, &li_guid, (void **)&li);
    if (EFI_ERROR(s))
        return fail(L"no loaded-image protocol", NULL, s);
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
    s = bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs);
    if (EFI_ERROR(s))
        return fail(L"boot device has no file system", NULL, s);
    EFI_FILE_HANDLE root;
    s = fs->OpenVolume(fs, &root);
    if (EFI_ERROR(s))
        return fail(L"cannot open the boot volume", NULL, s);

    struct file archive = {0, 0}, cmdline = {0, 0};
    UINT64 entry = 0;
    s = load_files(root, &archive, &cmdline, &entry);
    root->Close(root);
    if (EFI_ERROR(s))
        return s;
    TRACE(L"files read");
    return start_kernel(image, entry, &archive, &cmdline);
}
