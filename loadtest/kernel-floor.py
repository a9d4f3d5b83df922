#!/usr/bin/env python3
# The kernel's floor under fan-out on this machine: a writer sends one 700-byte frame to each of N
# loopback TCP sockets per round (TCP_NODELAY, like a WebSocket server), while another process
# reads them all. Prints the writer's system and user CPU per write: what one delivered message
# costs a node before any code of its own runs.
#
#   ulimit -n 20000; python3 loadtest/kernel-floor.py 5000 100
import os, socket, selectors, sys, time, resource
N = int(sys.argv[1]); ROUNDS = int(sys.argv[2])
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(4096); port = ls.getsockname()[1]
pid = os.fork()
if pid == 0:
    ls.close()
    sel = selectors.DefaultSelector(); socks = []
    for i in range(N):
        s = socket.create_connection(("127.0.0.1", port)); s.setblocking(False)
        sel.register(s, selectors.EVENT_READ); socks.append(s)
    need = N * ROUNDS * 700; got = 0
    while got < need:
        for key, _ in sel.select(1):
            try:
                d = key.fileobj.recv(65536); got += len(d)
            except BlockingIOError: pass
    os._exit(0)
conns = []
for i in range(N):
    c, _ = ls.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); c.setblocking(False); conns.append(c)
payload = b"x" * 700
time.sleep(0.5)
r0 = resource.getrusage(resource.RUSAGE_SELF)
for r in range(ROUNDS):
    for c in conns:
        c.send(payload)
    time.sleep(0.05)
r1 = resource.getrusage(resource.RUSAGE_SELF)
os.waitpid(pid, 0)
w = N * ROUNDS
print(f"{N} sockets x {ROUNDS} rounds: sys {1e6*(r1.ru_stime-r0.ru_stime)/w:.2f} us/write, user {1e6*(r1.ru_utime-r0.ru_utime)/w:.2f} us/write")
