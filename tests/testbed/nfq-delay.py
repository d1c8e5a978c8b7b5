#!/usr/bin/env python3
"""nfq-delay: delay and drop packets of one NFQUEUE, for the testbed's 'netem' fault on kernels
without sch_netem. Run inside a node's network namespace; an iptables rule there sends the
packets to queue N. Speaks nfnetlink_queue over a raw netlink socket (standard library only).

usage: nfq-delay.py --queue N [--delay T] [--jitter T] [--loss P] [--ready FILE]
T as in tc: 50ms, 1s, 500us (a bare number is microseconds); P in percent, e.g. 5 or 5%.
Exits on SIGTERM; queued packets are then accepted by the kernel when the queue unbinds.
"""
import argparse
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NF_DROP, NF_ACCEPT = 0, 1


def parse_time(text):
    """Return seconds for a tc-style time."""
    for suffix, scale in (("usec", 1e-6), ("msec", 1e-3), ("sec", 1.0), ("us", 1e-6),
                          ("ms", 1e-3), ("s", 1.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text) * 1e-6


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(msg_type, queue, attrs, flags=NLM_F_REQUEST):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attrs)
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg_type
    return struct.pack("=IHHII", 16 + len(body), kind, flags, 0, 0) + body


def configure(sock, queue):
    cmd = struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, 0)
    params = struct.pack("!IB", 0, NFQNL_COPY_META)
    for attrs in ([attr(NFQA_CFG_CMD, cmd)],
                  [attr(NFQA_CFG_PARAMS, params),
                   attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 65536))]):
        sock.send(message(NFQNL_MSG_CONFIG, queue, attrs, NLM_F_REQUEST | NLM_F_ACK))
        reply = sock.recv(65536)
        _, kind, _, _, _ = struct.unpack_from("=IHHII", reply)
        if kind == NLMSG_ERROR:
            (err,) = struct.unpack_from("=i", reply, 16)
            if err:
                sys.exit("nfq-delay: configuring queue %d: %s" % (queue, os.strerror(-err)))


def packet_ids(data):
    """Yield the packet ids of the NFQNL_MSG_PACKET messages in one recv() buffer."""
    off = 0
    while off + 16 <= len(data):
        length, kind, _, _, _ = struct.unpack_from("=IHHII", data, off)
        if length < 16:
            break
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            pos, end = off + 20, off + length
            while pos + 4 <= end:
                alen, akind = struct.unpack_from("=HH", data, pos)
                if alen < 4:
                    break
                if akind & 0x7FFF == NFQA_PACKET_HDR:
                    yield struct.unpack_from("!I", data, pos + 4)[0]
                    break
                pos += (alen + 3) & ~3
        off += (length + 3) & ~3


def main():
    ap = argparse.ArgumentParser(description="delay/drop the packets of one NFQUEUE")
    ap.add_argument("--queue", type=int, required=True)
    ap.add_argument("--delay", default="0")
    ap.add_argument("--jitter", default="0")
    ap.add_argument("--loss", default="0")
    ap.add_argument("--ready")
    args = ap.parse_args()
    delay, jitter = parse_time(args.delay), parse_time(args.jitter)
    loss = float(args.loss.rstrip("%")) / 100.0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((0, 0))
    configure(sock, args.queue)
    if args.ready:
        open(args.ready, "w").close()

    def verdict(pid, v):
        hdr = struct.pack("!II", v, pid)
        sock.send(message(NFQNL_MSG_VERDICT, args.queue, [attr(NFQA_VERDICT_HDR, hdr)]))

    pending, seq = [], 0                    # heap of (release time, seq, packet id)
    while True:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            verdict(heapq.heappop(pending)[2], NF_ACCEPT)
        timeout = max(0.0, pending[0][0] - now) if pending else None
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            continue
        try:
            data = sock.recv(1 << 20)
        except OSError:                     # ENOBUFS: the kernel dropped some; that is loss
            continue
        now = time.monotonic()
        for pid in packet_ids(data):
            if loss and random.random() < loss:
                verdict(pid, NF_DROP)
                continue
            d = delay + (random.uniform(-jitter, jitter) if jitter else 0.0)
            seq += 1
            heapq.heappush(pending, (now + max(0.0, d), seq, pid))


if __name__ == "__main__":
    main()
