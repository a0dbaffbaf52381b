#!/usr/bin/env python3
"""Regenerates the seed corpora of the rtp2 depayloader fuzz targets (tests/fuzz/corpus/<target>/).

Real streams come from gst-launch-1.0 (encoder ! payloader ! rtpstreampay ! filesink: RFC 4571 framing,
a 2-byte length per packet); hand-made packets cover the edge cases. Output format: see depay_fuzz.hpp.
    tests/fuzz/rtp/make_seeds.py [BUILD_DIR]   (default build/; our payloaders are loaded from BUILD_DIR/gst/rtp)
"""
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX_SEED = 8000
BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build")  # scripts/fuzz.sh runs with -max_len=8192


def rtp(seq, ts, payload, marker=False, pt=96, ssrc=0x11223344, csrc=(), ext=None, padding=0):
    b0 = 0x80 | (0x20 if padding else 0) | (0x10 if ext is not None else 0) | len(csrc)
    head = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
    for c in csrc:
        head += struct.pack("!I", c)
    if ext is not None:
        head += struct.pack("!HH", 0xBEDE, len(ext) // 4) + ext
    pad = b""
    if padding:
        pad = b"\0" * (padding - 1) + bytes([padding])
    return head + payload + pad


def seed(selector, packets, flags=None):
    out = bytes([selector])
    for i, p in enumerate(packets):
        f = flags[i] if flags else 0
        out += struct.pack("!H", len(p) + 1) + bytes([f]) + p
    return out


def gst_stream(pipeline):
    """Runs `pipeline ! rtpstreampay ! filesink` and returns the RTP packets.

    The payloader (last element) gets fixed ssrc/seqnum/timestamp offsets so that seeds are reproducible."""
    pipeline += " ssrc=287454020 seqnum-offset=65530 timestamp-offset=4294960000"
    with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
        cmd = ["gst-launch-1.0", "-q"] + pipeline.split() + ["!", "rtpstreampay", "!", "filesink",
                                                               "location=" + tmp.name]
        env = dict(os.environ, GST_PLUGIN_PATH_1_0=os.path.join(BUILD, "gst", "rtp"))
        subprocess.run(cmd, check=True, env=env)
        data = open(tmp.name, "rb").read()
    packets, i = [], 0
    while i + 2 <= len(data):
        n = struct.unpack("!H", data[i:i + 2])[0]
        packets.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return packets


def chunks(packets, selector):
    """Splits a packet list into seeds below MAX_SEED bytes."""
    seeds, cur = [], []
    for p in packets:
        if cur and len(seed(selector, cur + [p])) > MAX_SEED:
            seeds.append(seed(selector, cur))
            cur = []
        cur.append(p)
    if cur:
        seeds.append(seed(selector, cur))
    return seeds


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(s)
    print("%s: %d seeds" % (target, len(seeds)))


def h264_seeds():
    video = "videotestsrc num-buffers=6 pattern=ball ! video/x-raw,format=I420,width=64,height=48 ! " \
            "x264enc key-int-max=3 speed-preset=ultrafast"
    seeds = []
    for pay, sel in (("rtph264pay mtu=200", 0x00), ("rtph264pay mtu=120 aggregate-mode=zero-latency", 0x21),
                     ("rtph264pay2 mtu=150", 0x10), ("rtph264pay2 mtu=400 config-interval=-1", 0xc0)):
        seeds += chunks(gst_stream(video + " ! " + pay), sel)
    sps = bytes.fromhex("6742c015d90141fb01")
    pps = bytes.fromhex("68cb8cb2")
    idr = bytes([0x65, 0x88]) + bytes(range(1, 60))
    stap = b"\x78" + struct.pack("!H", len(sps)) + sps + struct.pack("!H", len(pps)) + pps
    fu = lambda s, e, data: bytes([0x7C, (0x80 if s else 0) | (0x40 if e else 0) | 5]) + data
    edge = [
        [rtp(1, 0, stap), rtp(2, 0, fu(1, 0, idr[1:30])), rtp(3, 0, fu(0, 1, idr[30:]), True)],
        [rtp(1, 0, fu(0, 0, idr[1:30])), rtp(2, 0, fu(0, 1, idr[30:]), True)],          # FU without start
        [rtp(1, 0, fu(1, 0, idr[1:30])), rtp(2, 9000, idr, True)],                      # FU never ends
        [rtp(1, 0, b"\x78\x00\x40" + idr, True)],                                       # STAP length overrun
        [rtp(1, 0, b"\x79\x00\x01" + stap[1:], True)],                                  # STAP-B
        [rtp(1, 0, b"\x7a\x00\x01\x00\x05\x00\x00\x10" + idr[:5], True)],               # MTAP16
        [rtp(1, 0, b"", True), rtp(2, 0, b"\x7c", True)],                               # empty, truncated FU
        [rtp(65535, 0, stap), rtp(0, 0, idr, True), rtp(1, 3000, idr, True)],           # seq wrap
        [rtp(1, 0, stap, ssrc=1), rtp(2, 0, idr, True, ssrc=2)],                        # SSRC change
        [rtp(1, 0, idr, True, csrc=(1, 2, 3)), rtp(2, 9, idr, True, ext=b"\x10\xff\0\0"),
         rtp(3, 20, idr, True, padding=4)],                                             # CSRC, extension, padding
        [rtp(1, 0, stap), rtp(2, 0xFFFFFF00, idr, True), rtp(3, 5, idr, True)],        # timestamp jumps
    ]
    for i, e in enumerate(edge):
        seeds.append(seed(0x00 if i % 2 else 0x21, e, [1 if k == 1 else 0 for k in range(len(e))]))
    # Broken RTP headers: wrong version, CSRC count past the end, extension length past the end, padding
    # larger than the packet.
    bad = [b"\x40" + rtp(1, 0, idr)[1:], b"\x8f" + rtp(1, 0, b"\x65")[1:],
           rtp(1, 0, b"")[:12] + b"\xbe\xde\x00\x20",
           bytes([0xA0]) + rtp(1, 0, idr)[1:-1] + b"\xff"]
    seeds.append(seed(0x00, bad))
    write("rtph264depay2", seeds)


def mp4g_seeds():
    audio = "audiotestsrc num-buffers=12 wave=white-noise samplesperbuffer=1024 ! " \
            "audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=64000"
    seeds = []
    for pay in ("rtpmp4gpay", "rtpmp4gpay2 max-ptime=100000000", "rtpmp4gpay2 mtu=150"):
        seeds += chunks(gst_stream(audio + " ! " + pay), 0x00)

    def hbr(sizes, data, index=0, delta=0):
        bits, value = 0, 0
        for i, n in enumerate(sizes):
            value = (value << 16) | (n << 3) | (index if i == 0 else delta)
            bits += 16
        return struct.pack("!H", bits) + value.to_bytes(bits // 8, "big") + data

    a, big = bytes(range(100)), bytes(range(256)) + bytes(44)
    edge = [
        [rtp(1, 0, hbr([100, 100], a + a), True)],                                       # two AUs
        [rtp(1, 0, hbr([300], big[:100])), rtp(2, 0, hbr([300], big[100:200])),
         rtp(3, 0, hbr([300], big[200:]), True)],                                        # fragments
        [rtp(1, 0, hbr([300], big[:100])), rtp(3, 0, hbr([300], big[200:]), True)],     # lost fragment
        [rtp(1, 0, hbr([100, 60], a, 0, 1), True)],                                      # interleaved
        [rtp(1, 0, b"\x01\x00\x00", True), rtp(2, 1024, b"", True)],                    # bad header length
        [rtp(65535, 0, hbr([100], a), True), rtp(0, 1024, hbr([100], a), True)],         # seq wrap
    ]
    for e in edge:
        seeds.append(seed(0x00, e))
    seeds.append(seed(0x02, [rtp(1, 0, b"\x00\x40" + bytes(8) + bytes(range(40)), True)]))  # generic
    seeds.append(seed(0x03, [rtp(1, 0, bytes(range(12)), True)]))                         # constant size
    write("rtpmp4gdepay2", seeds)


def h264_pay_seeds():
    """Seeds for fuzz_rtph264pay2: x264 byte-stream and avc access units as input buffers."""
    seeds = []
    with tempfile.NamedTemporaryFile(suffix=".h264") as tmp:
        subprocess.run(["gst-launch-1.0", "-q", "videotestsrc", "num-buffers=4", "pattern=ball", "!",
                        "video/x-raw,format=I420,width=64,height=48", "!", "x264enc", "key-int-max=2",
                        "speed-preset=ultrafast", "!", "video/x-h264,stream-format=byte-stream", "!",
                        "filesink", "location=" + tmp.name], check=True)
        stream = open(tmp.name, "rb").read()
    for sel in (0x00, 0x31, 0x92):
        data = stream[:7000]
        seeds.append(bytes([sel]) + struct.pack("!H", len(data)) + data)
    avc = struct.pack("!I", 9) + bytes.fromhex("6742c015d90141fb01") + struct.pack("!I", 5) + bytes([0x65]) + bytes(4)
    seeds.append(bytes([0x02]) + struct.pack("!H", len(avc)) + avc)
    write("rtph264pay2", seeds)


def audio_seeds():
    """G.711 and Opus: real streams from the upstream payloaders plus a few odd packets."""
    for target, chain in (("rtppcmudepay2", "audio/x-raw,rate=8000 ! mulawenc ! rtppcmupay max-ptime=20000000"),
                          ("rtppcmadepay2", "audio/x-raw,rate=8000 ! alawenc ! rtppcmapay max-ptime=20000000"),
                          ("rtpopusdepay2", "audio/x-raw,rate=48000 ! opusenc ! rtpopuspay")):
        packets = gst_stream("audiotestsrc num-buffers=5 samplesperbuffer=960 ! " + chain)
        seeds = chunks(packets, 0x00)
        odd = [rtp(1, 0, b"", True), rtp(2, 160, b"\x01", False), rtp(65535, 320, bytes(161)),
               rtp(0, 0xFFFFFFF0, bytes(10), ssrc=7)]
        seeds.append(seed(0x01, odd, [0, 1, 2, 0]))
        write(target, seeds)


def h265_seeds():
    video = "videotestsrc num-buffers=4 pattern=ball ! video/x-raw,format=I420,width=64,height=64 ! " \
            "x265enc speed-preset=ultrafast key-int-max=2"
    seeds = []
    for pay, sel in (("rtph265pay mtu=200", 0x00), ("rtph265pay mtu=120 aggregate-mode=zero-latency", 0x12),
                     ("rtph265pay2 mtu=150", 0x20)):
        seeds += chunks(gst_stream(video + " ! " + pay), sel)
    vps = bytes.fromhex("40010c01ffff01600000030090000003000003003f959409")
    idr = bytes([19 << 1, 1, 0xaf]) + bytes(range(1, 60))
    ap = bytes([48 << 1, 1]) + struct.pack("!H", len(vps)) + vps + struct.pack("!H", len(idr)) + idr
    fu = lambda s, e, data: bytes([49 << 1, 1, (0x80 if s else 0) | (0x40 if e else 0) | 19]) + data
    seeds.append(seed(0x00, [rtp(1, 0, ap), rtp(2, 0, fu(1, 0, idr[2:30])), rtp(3, 0, fu(0, 1, idr[30:]), True)]))
    seeds.append(seed(0x01, [rtp(1, 0, bytes([2, 1, 0, 9]) + idr[2:], True), rtp(2, 9, bytes([100, 1, 0, 0]), True)]))
    write("rtph265depay2", seeds)


def mp4v_seeds():
    video = "videotestsrc num-buffers=4 pattern=ball ! video/x-raw,width=64,height=48 ! avenc_mpeg4 gop-size=2"
    seeds = []
    for pay in ("rtpmp4vpay mtu=200 config-interval=-1", "rtpmp4vpay2 mtu=150"):
        seeds += chunks(gst_stream(video + " ! " + pay), 0x00)
    vop = b"\x00\x00\x01\xb6\x10" + bytes(range(1, 40))
    seeds.append(seed(0x01, [rtp(1, 0, vop[:20]), rtp(3, 0, vop[20:], True), rtp(4, 9, b"", True),
                             rtp(5, 18, b"\x00\x00\x01\xb0\x01\x00\x00\x01\x20", True)]))
    write("rtpmp4vdepay2", seeds)


def jpeg_seeds():
    video = "videotestsrc num-buffers=2 pattern=ball ! video/x-raw,width=64,height=48,format=I420 ! jpegenc"
    seeds = []
    for pay in ("rtpjpegpay mtu=300", "rtpjpegpay mtu=200 quality=50", "rtpjpegpay2 mtu=250"):
        seeds += chunks(gst_stream(video + " ! " + pay), 0x00)
    hdr = lambda off, t, q: bytes([0, off >> 16, (off >> 8) & 255, off & 255, t, q, 8, 6])
    tables = bytes([0, 0, 0, 128]) + bytes(range(1, 129))
    seeds.append(seed(0x00, [rtp(1, 0, hdr(0, 65, 200) + bytes([0, 8, 255, 255]) + tables + bytes(30)),
                             rtp(2, 0, hdr(30, 65, 200) + bytes([0, 8, 255, 255]) + bytes(30), True),
                             rtp(3, 9, hdr(0, 1, 200) + bytes(4) + bytes(10), True),
                             rtp(4, 18, hdr(0, 1, 255) + bytes([0, 3, 0, 200]) + bytes(10), True)], None))
    write("rtpjpegdepay2", seeds)


def main():
    h264_seeds()
    jpeg_seeds()
    mp4v_seeds()
    h265_seeds()
    audio_seeds()
    h264_pay_seeds()
    mp4g_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
