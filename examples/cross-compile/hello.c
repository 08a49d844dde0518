/* Prints the machine it runs on: the same source, compiled for every TARGETARCH. */
#include <stdio.h>
#include <sys/utsname.h>

int main(void) {
    struct utsname u;
    if (uname(&u) != 0) return 1;
    printf("hello from %s, built for " TARGET "\n", u.machine);
    return 0;
}
