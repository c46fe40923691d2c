/* dlopen/dlsym at run time: libm.so.6 is not a DT_NEEDED of this program,
 * so it reaches the image through the config's Files. */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
    void *h = dlopen("libm.so.6", RTLD_NOW);
    if (!h) {
        printf("dlopen failed: %s\n", dlerror());
        return 1;
    }
    double (*cosine)(double) = (double (*)(double))dlsym(h, "cos");
    double (*root)(double) = (double (*)(double))dlsym(h, "sqrt");
    if (!cosine || !root) {
        printf("dlsym failed: %s\n", dlerror());
        return 1;
    }
    printf("cos(0) = %.1f, sqrt(2) = %.6f\n", cosine(0.0), root(2.0));
    dlclose(h);
    return 0;
}
