/* cloak run and dump-check: KVM or TCG.  What the user asked (--accel,
 * else RunConfig.Accel) goes to the decision of tools/qemu/accel.h, with
 * what /dev/kvm answers when the decision needs it. */
#include <stdio.h>

#include "../qemu/accel.h"
#include "cli.h"
#include "session.h"

void session_accel(const struct session *s, struct qemu_config *q)
{
    enum accel_want want = ACCEL_WANT_DEFAULT; /* Accel absent or true */
    const char *asked = s->o.accel ? "--accel tcg" : "RunConfig.Accel false";
    struct kvm_probe probe, *p = NULL;
    struct accel_choice c;

    if (s->o.accel) {
        if (accel_want_parse(s->o.accel, &want) < 0) /* options.c checked it */
            die("--accel \"%s\": use kvm, tcg or auto", s->o.accel);
    } else if (!s->cfg.accel) {
        want = ACCEL_WANT_TCG;
    }
    /* SEV always runs under KVM (qemu.c); `cloak sev check` vetted /dev/kvm. */
    if (s->confidential) {
        if (want == ACCEL_WANT_TCG)
            die("AMD SEV runs under KVM; %s does not go with %s", asked,
                s->o.sev ? "--sev" : "CloudConfig.ConfidentialVM");
        return;
    }
    if (accel_needs_probe(want)) {
        accel_probe(accel_kvm_path(), accel_real_sys(), &probe);
        p = &probe;
    }
    accel_decide(p, want, s->o.verbose, &c);
    if (c.error)
        die("%s", c.reason);
    if (c.say) {
        fflush(stdout);
        fprintf(stderr, "cloak: %s\n", c.reason);
    }
    q->kvm = c.accel == ACCEL_KVM;
}
