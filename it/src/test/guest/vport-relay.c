/*
 * vport-relay: the guest half of the NBD path in KernelNbdClientIT. The kernel's NBD driver needs a
 * socket; qemu gives the guest a virtio-serial port whose other end is a TCP connection to the
 * flashcopy server. This listens on a unix socket, accepts one connection (nbd-client's), and
 * copies bytes both ways until either side ends: one process per direction, blocking I/O.
 *
 *   vport-relay /dev/vport0p1 /run/nbd.sock     (prints "relay ready" once listening, then forks)
 *
 * Built with gcc -static by bin/build-nbd-guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "vport-relay: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void copy(int from, int to, const char *dir) {
    static char buf[256 * 1024];
    for (;;) {
        ssize_t n = read(from, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fprintf(stderr, "vport-relay: %s ended (%zd)\n", dir, n);
            return;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, buf + off, n - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                fprintf(stderr, "vport-relay: %s write: %s\n", dir, strerror(errno));
                return;
            }
            off += w;
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: vport-relay PORT-DEVICE SOCKET-PATH\n");
        return 2;
    }
    int port = open(argv[1], O_RDWR);
    if (port < 0) die(argv[1]);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0) die("socket");
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, argv[2], sizeof a.sun_path - 1);
    unlink(argv[2]);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (listen(l, 1) < 0) die("listen");
    pid_t daemon = fork();
    if (daemon < 0) die("fork");
    if (daemon > 0) {
        printf("relay ready\n");
        fflush(stdout);
        return 0;
    }
    setsid();
    int c = accept(l, NULL, NULL);
    if (c < 0) die("accept");
    close(l);
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        copy(port, c, "port->socket");
        shutdown(c, SHUT_WR);
        return 0;
    }
    copy(c, port, "socket->port");
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
    return 0;
}
