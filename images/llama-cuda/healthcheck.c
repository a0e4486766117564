/*
 * healthcheck URL [TIMEOUT_SECONDS]
 *
 * Minimal static HTTP/1.0 probe for container healthchecks in images that
 * have no shell, curl or wget. Exits 0 when URL answers with a 2xx status,
 * 1 otherwise (and prints one line saying why on stderr).
 * Only plain http:// to a numeric IPv4/IPv6 address or "localhost".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "healthcheck: timeout\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(1);
}

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "healthcheck: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) return fail("usage: healthcheck http://HOST:PORT/PATH [TIMEOUT]", NULL);
  const char *url = argv[1];
  int timeout = argc > 2 ? atoi(argv[2]) : 5;
  signal(SIGALRM, on_alarm);
  alarm(timeout > 0 ? (unsigned)timeout : 5);

  if (strncmp(url, "http://", 7) != 0) return fail("only http:// URLs are supported", url);
  const char *h = url + 7;
  const char *slash = strchr(h, '/');
  const char *path = slash ? slash : "/";
  size_t hostport_len = slash ? (size_t)(slash - h) : strlen(h);
  char hostport[256];
  if (hostport_len == 0 || hostport_len >= sizeof hostport) return fail("bad host", url);
  memcpy(hostport, h, hostport_len);
  hostport[hostport_len] = 0;

  char host[256];
  int port = 80;
  if (hostport[0] == '[') { /* [v6]:port */
    char *end = strchr(hostport, ']');
    if (!end) return fail("bad IPv6 host", hostport);
    *end = 0;
    snprintf(host, sizeof host, "%s", hostport + 1);
    if (end[1] == ':') port = atoi(end + 2);
  } else {
    char *colon = strrchr(hostport, ':');
    if (colon) { *colon = 0; port = atoi(colon + 1); }
    snprintf(host, sizeof host, "%s", hostport);
  }
  if (port <= 0 || port > 65535) return fail("bad port", url);
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");

  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t slen;
  struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET; s4->sin_port = htons((unsigned short)port); slen = sizeof *s4;
  } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6; s6->sin6_port = htons((unsigned short)port); slen = sizeof *s6;
  } else {
    return fail("host must be a numeric address or localhost", host);
  }

  int fd = socket(ss.ss_family, SOCK_STREAM, 0);
  if (fd < 0) return fail("socket", strerror(errno));
  if (connect(fd, (struct sockaddr *)&ss, slen) != 0) return fail("connect", strerror(errno));

  char req[1024];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: healthcheck\r\nConnection: close\r\n\r\n",
                   path, hostport);
  if (n < 0 || (size_t)n >= sizeof req) return fail("URL too long", NULL);
  for (int off = 0; off < n;) {
    ssize_t w = write(fd, req + off, (size_t)(n - off));
    if (w <= 0) return fail("write", strerror(errno));
    off += (int)w;
  }
  char buf[64];
  size_t got = 0;
  while (got < sizeof buf - 1) {
    ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
    if (r <= 0) break;
    got += (size_t)r;
    buf[got] = 0;
    if (strchr(buf, '\n')) break;
  }
  buf[got] = 0;
  close(fd);
  /* "HTTP/1.x NNN ..." */
  char *sp = strchr(buf, ' ');
  if (strncmp(buf, "HTTP/", 5) != 0 || !sp) return fail("not an HTTP response", NULL);
  int status = atoi(sp + 1);
  if (status >= 200 && status < 300) return 0;
  char *eol = strpbrk(buf, "\r\n");
  if (eol) *eol = 0;
  return fail("unhealthy", buf);
}
