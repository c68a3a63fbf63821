// Probe: what does Linux do with a UDP GSO send to a multicast group on loopback (and to a unicast peer),
// with and without UDP_GRO on the receivers?
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#define SOL_UDP_ 17

static int drain(int fd, const char *label) {
    char buf[70000]; char ctl[256]; int n = 0;
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 200) <= 0) break;
        struct iovec iov = { buf, sizeof buf };
        struct msghdr m = { 0 }; m.msg_iov = &iov; m.msg_iovlen = 1; m.msg_control = ctl; m.msg_controllen = sizeof ctl;
        ssize_t r = recvmsg(fd, &m, 0);
        if (r < 0) { perror("recvmsg"); break; }
        int gso = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_UDP_ && c->cmsg_type == UDP_GRO) gso = *(int *)CMSG_DATA(c);
        printf("  %s: %zd bytes%s", label, r, gso ? "" : "\n");
        if (gso) printf(" (GRO segment size %d)\n", gso);
        // check content: byte i == (i / 1000) for segment index
        n++;
    }
    return n;
}

static int sendgso(int s, struct sockaddr_in *to, int segs, int segsize, int last) {
    static char data[65000];
    int len = (segs - 1) * segsize + last;
    for (int i = 0; i < len; i++) data[i] = (char)(i / segsize);
    char ctl[CMSG_SPACE(sizeof(unsigned short))] = { 0 };
    struct iovec iov = { data, len };
    struct msghdr m = { 0 }; m.msg_name = to; m.msg_namelen = sizeof *to; m.msg_iov = &iov; m.msg_iovlen = 1;
    m.msg_control = ctl; m.msg_controllen = sizeof ctl;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m); c->cmsg_level = SOL_UDP_; c->cmsg_type = UDP_SEGMENT; c->cmsg_len = CMSG_LEN(sizeof(unsigned short));
    *(unsigned short *)CMSG_DATA(c) = (unsigned short)segsize;
    ssize_t r = sendmsg(s, &m, 0);
    if (r < 0) { printf("  sendmsg GSO failed: %s (errno %d)\n", strerror(errno), errno); return -1; }
    printf("  sent %zd bytes as %d segments of %d (last %d)\n", r, segs, segsize, last);
    return 0;
}

int main(void) {
    const char *group = "239.192.77.77"; int port = 45123;
    for (int gro = 0; gro <= 1; gro++) {
        printf("multicast on lo, 3 members, UDP_GRO %s on the receivers\n", gro ? "on" : "off");
        int r[3];
        for (int i = 0; i < 3; i++) {
            r[i] = socket(AF_INET, SOCK_DGRAM, 0);
            int one = 1; setsockopt(r[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            struct sockaddr_in a = { AF_INET, htons(port) }; inet_pton(AF_INET, group, &a.sin_addr);
            if (bind(r[i], (void *)&a, sizeof a)) perror("bind");
            struct ip_mreq mr; inet_pton(AF_INET, group, &mr.imr_multiaddr); mr.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
            if (setsockopt(r[i], IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr)) perror("join");
            if (gro && setsockopt(r[i], SOL_UDP_, UDP_GRO, &one, sizeof one)) perror("UDP_GRO");
        }
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in src = { AF_INET, 0 }; inet_pton(AF_INET, "127.0.0.9", &src.sin_addr); bind(s, (void *)&src, sizeof src);
        struct in_addr ifa = { htonl(INADDR_LOOPBACK) };
        setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof ifa);
        int one = 1; setsockopt(s, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof one);
        struct sockaddr_in to = { AF_INET, htons(port) }; inet_pton(AF_INET, group, &to.sin_addr);
        sendgso(s, &to, 5, 1000, 500);
        for (int i = 0; i < 3; i++) { char l[16]; sprintf(l, "member %d", i); printf("  member %d got %d datagrams\n", i, drain(r[i], l)); }
        for (int i = 0; i < 3; i++) close(r[i]);
        close(s);
    }
    for (int gro = 0; gro <= 1; gro++) {
        printf("unicast on lo, UDP_GRO %s on the receiver\n", gro ? "on" : "off");
        int r = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a = { AF_INET, htons(port + 1) }; inet_pton(AF_INET, "127.0.0.10", &a.sin_addr);
        bind(r, (void *)&a, sizeof a);
        int one = 1; if (gro) setsockopt(r, SOL_UDP_, UDP_GRO, &one, sizeof one);
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        sendgso(s, &a, 5, 1000, 500);
        printf("  receiver got %d datagrams\n", drain(r, "receiver"));
        close(r); close(s);
    }
    return 0;
}
