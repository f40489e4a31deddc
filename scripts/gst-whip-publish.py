#!/usr/bin/python3
"""Publish GStreamer's test pattern to a WHIP endpoint with webrtcbin.

For GStreamer installs without whipsink/whipclientsink (gst-plugins-rs), such
as Debian 12's: the pipeline

    videotestsrc is-live=true ! videoconvert ! ENCODER ! PAYLOADER !
        application/x-rtp,... ! webrtcbin bundle-policy=max-bundle

has one sendonly video transceiver (VP8 through vp8enc, or H.264 through
x264enc, constrained baseline) and no STUN server. The script creates the
offer, waits for ICE gathering to complete, POSTs the offer (with every
candidate) to the WHIP URL, applies the 201's answer, publishes for
--seconds, and ends the session with DELETE on the answer's Location
(also on Ctrl-C, or after an error once the session exists).

When the URL's host is a loopback address, ICE uses loopback addresses only
(libnice skips them by default): the publisher and the server are on the same
machine. --local-address names other addresses instead.

Debian 12 packages: python3-gi python3-gst-1.0 gir1.2-gst-plugins-base-1.0
gir1.2-gst-plugins-bad-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
gstreamer1.0-plugins-bad gstreamer1.0-nice gir1.2-nice-0.1, and
gstreamer1.0-plugins-ugly for --codec h264 (x264enc).

    scripts/gst-whip-publish.py --url http://127.0.0.1:8080/api/reviews/ID/whip --seconds 30
    scripts/gst-whip-publish.py --url http://HOST:8080/api/reviews/ID/whip --token "$TOKEN" --codec h264

Exit status: 0 after a publication that connected and ended cleanly, 1 on
any error (the message says which step), 2 on bad arguments.
"""

import argparse
import ipaddress
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

PACKAGES = ("python3-gi python3-gst-1.0 gir1.2-gst-plugins-base-1.0 gir1.2-gst-plugins-bad-1.0 "
            "gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-nice")


class Failure(Exception):
    """An error worth one line to the user: which step failed and why."""


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Publish GStreamer's test pattern to a WHIP endpoint (webrtcbin).",
        epilog="The token may also come from ATELIER_TOKEN. Ctrl-C ends the publication (DELETE).")
    p.add_argument("--url", required=True, help="WHIP endpoint, e.g. http://127.0.0.1:8080/api/reviews/ID/whip")
    p.add_argument("--token", default=os.environ.get("ATELIER_TOKEN", ""),
                   help="bearer token (env ATELIER_TOKEN; empty in Atelier's local mode)")
    p.add_argument("--seconds", type=float, default=10,
                   help="how long to publish once connected; 0 = until Ctrl-C (default 10)")
    p.add_argument("--codec", choices=("vp8", "h264"), default="vp8", help="video codec (default vp8)")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=30, help="frame rate; a keyframe every second (default 30)")
    p.add_argument("--bitrate", type=int, default=1000, help="target bitrate in kbit/s (default 1000)")
    p.add_argument("--local-address", action="append", default=[], metavar="IP",
                   help="gather ICE candidates on this address only (repeatable; "
                        "default: 127.0.0.1 and ::1 when the URL's host is loopback, else every interface)")
    p.add_argument("--timeout", type=float, default=10,
                   help="seconds to wait for each step: caps, ICE gathering, HTTP, connection (default 10)")
    p.add_argument("-v", "--verbose", action="store_true", help="print the pipeline, the ICE addresses and both SDPs")
    a = p.parse_args(argv)
    u = urllib.parse.urlsplit(a.url)
    if u.scheme not in ("http", "https") or not u.hostname:
        p.error("--url must be an http(s) URL")
    if a.seconds < 0 or a.timeout <= 0 or a.width <= 0 or a.height <= 0 or a.fps <= 0 or a.bitrate <= 0:
        p.error("--seconds must be >= 0, and --timeout, --width, --height, --fps and --bitrate positive")
    return a


def load_gi(need_nice):
    """Imports GStreamer's bindings, or fails naming what to install."""
    try:
        import gi
    except ImportError:
        raise Failure("this Python (%s) has no PyGObject: run the script with Debian's /usr/bin/python3 "
                      "and apt-get install %s" % (sys.executable, PACKAGES))
    try:
        gi.require_version("Gst", "1.0")
        gi.require_version("GstSdp", "1.0")
        gi.require_version("GstWebRTC", "1.0")
        from gi.repository import Gst, GstSdp, GstWebRTC
    except (ValueError, ImportError) as e:
        raise Failure("GStreamer's introspection data is missing (%s): apt-get install %s" % (e, PACKAGES))
    Nice = None
    if need_nice:
        try:
            gi.require_version("Nice", "0.1")
            from gi.repository import Nice
        except (ValueError, ImportError):
            Nice = None
    return Gst, GstSdp, GstWebRTC, Nice


def pipeline_description(a, Gst):
    """The gst-launch description of the pipeline, after checking its elements exist."""
    need = {"videotestsrc": "gstreamer1.0-plugins-base", "videoconvert": "gstreamer1.0-plugins-base",
            "webrtcbin": "gstreamer1.0-plugins-bad", "nicesrc": "gstreamer1.0-nice"}
    if a.codec == "vp8":
        need.update({"vp8enc": "gstreamer1.0-plugins-good", "rtpvp8pay": "gstreamer1.0-plugins-good"})
    else:
        need.update({"x264enc": "gstreamer1.0-plugins-ugly", "rtph264pay": "gstreamer1.0-plugins-good"})
    missing = sorted({pkg + " (" + el + ")" for el, pkg in need.items() if Gst.ElementFactory.find(el) is None})
    if missing:
        raise Failure("GStreamer elements missing: apt-get install " + ", ".join(missing))

    # timeoverlay (gstreamer1.0-pango) stamps the running time on the picture when installed.
    overlay = "timeoverlay ! " if Gst.ElementFactory.find("timeoverlay") else ""
    src = ("videotestsrc is-live=true pattern=smpte ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! %s"
           "videoconvert ! queue max-size-buffers=2 leaky=downstream ! " % (a.width, a.height, a.fps, overlay))
    if a.codec == "vp8":
        enc = ("vp8enc name=enc deadline=1 cpu-used=8 keyframe-max-dist=%d target-bitrate=%d error-resilient=partitions ! "
               "rtpvp8pay name=pay pt=96 picture-id-mode=15-bit ! "
               "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! "
               % (a.fps, a.bitrate * 1000))
    else:
        # Constrained baseline (no B-frames), as WebRTC peers expect. x264enc
        # repeats SPS and PPS before every keyframe itself, so a viewer (or the
        # recorder) can start there; config-interval=0 because rtph264pay's -1
        # inserts them again before every IDR slice, and zerolatency's sliced
        # threads make two per picture here: an SPS between them splits the
        # picture (FFmpeg decodes a half picture more per keyframe).
        # rtph264pay leaves profile-level-id out of the offer; Atelier takes
        # it as constrained baseline 3.1, as libwebrtc does.
        enc = ("x264enc name=enc tune=zerolatency speed-preset=ultrafast key-int-max=%d bitrate=%d ! "
               "video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! "
               "rtph264pay name=pay pt=102 config-interval=0 aggregate-mode=zero-latency ! "
               "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,"
               "packetization-mode=(string)1 ! "
               % (a.fps, a.bitrate))
    return src + enc + "webrtcbin name=webrtc bundle-policy=max-bundle"


def is_loopback_host(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def http(method, url, token, timeout, body=None, content_type=None):
    """One HTTP request: (status, headers, body text); HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        raise Failure("%s %s: %s" % (method, url, getattr(e, "reason", e)))


def ice_agent(webrtc):
    """webrtcbin's GstWebRTCICE, safely.

    GStreamer 1.22's webrtcbin keeps its ICE agent as a floating reference that
    it never sinks, so PyGObject's wrapper sinks it and, once collected, frees
    the agent webrtcbin still uses (GStreamer-WebRTC-CRITICAL
    gst_webrtc_ice_add_stream: assertion 'GST_IS_WEBRTC_ICE (ice)' failed, and
    no offer). Then the wrapper holds the only reference: give webrtcbin back
    its own with g_object_ref. A build that sinks it shows two references and
    is left alone.
    """
    agent = webrtc.get_property("ice-agent")
    if agent.__grefcount__ == 1:
        import ctypes
        get = ctypes.pythonapi.PyCapsule_GetPointer
        get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
        gobject = ctypes.CDLL("libgobject-2.0.so.0")
        gobject.g_object_ref.restype, gobject.g_object_ref.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
        gobject.g_object_ref(get(agent.__gpointer__, None))
    return agent


def log(msg):
    print("gst-whip-publish: " + msg, file=sys.stderr, flush=True)


class Publisher:
    def __init__(self, a, Gst, GstSdp, GstWebRTC, Nice):
        self.a, self.Gst, self.GstSdp, self.GstWebRTC, self.Nice = a, Gst, GstSdp, GstWebRTC, Nice
        self.pipe = None
        self.webrtc = None
        self.resource = None  # the session's URL, once the server created it
        self.gathered = threading.Event()
        self.stop = threading.Event()

    # -- pipeline ---------------------------------------------------------

    def build(self):
        Gst, GstWebRTC = self.Gst, self.GstWebRTC
        desc = pipeline_description(self.a, Gst)
        if self.a.verbose:
            log("pipeline: " + desc)
        try:
            self.pipe = Gst.parse_launch(desc)
        except Exception as e:  # GLib.Error
            raise Failure("building the pipeline: %s" % e)
        self.webrtc = self.pipe.get_by_name("webrtc")
        tr = self.webrtc.emit("get-transceiver", 0)
        if tr is None:
            raise Failure("webrtcbin made no transceiver for the video pad")
        tr.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        if tr.find_property("do-nack"):
            tr.set_property("do-nack", True)  # answer the server's NACKs from the RTX buffer
        self.webrtc.connect("notify::ice-gathering-state", self._on_gathering)
        # Until the connection is up, drop the payloader's packets: else the
        # first frame waits in webrtcbin and leaves stale, a second or so before
        # the next one, and the recording starts on a frozen picture. Caps
        # still pass, so the offer has the codec.
        self.pay_src = self.pipe.get_by_name("pay").get_static_pad("src")
        self.hold = self.pay_src.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST,
                                           lambda *_: Gst.PadProbeReturn.DROP)
        self._restrict_ice()

    def _restrict_ice(self):
        host = urllib.parse.urlsplit(self.a.url).hostname
        addrs = list(self.a.local_address)
        if not addrs and is_loopback_host(host):
            addrs = ["127.0.0.1", "::1"]
        agent_holder = ice_agent(self.webrtc)
        if agent_holder.find_property("ice-tcp"):
            agent_holder.set_property("ice-tcp", False)  # the server gathers UDP candidates
        if not addrs:
            return
        if self.Nice is None:
            log("note: gir1.2-nice-0.1 is not installed, so ICE gathers on every interface "
                "(not only %s); install it to keep the media on those addresses" % ", ".join(addrs))
            return
        agent = agent_holder.get_property("agent")
        for ip in addrs:
            na = self.Nice.Address.new()
            if not na.set_from_string(ip):
                raise Failure("--local-address %r is not an IP address" % ip)
            agent.add_local_address(na)
        if self.a.verbose:
            log("ICE gathers on " + ", ".join(addrs))

    def _on_gathering(self, *_):
        if self.webrtc.get_property("ice-gathering-state") == self.GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self.gathered.set()

    def check_bus(self):
        """Raises on a pipeline error or end of stream; logs warnings."""
        Gst = self.Gst
        bus = self.pipe.get_bus()
        while True:
            m = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING | Gst.MessageType.EOS)
            if m is None:
                return
            if m.type == Gst.MessageType.ERROR:
                err, dbg = m.parse_error()
                raise Failure("pipeline error from %s: %s (%s)" % (m.src.get_name(), err.message, dbg))
            if m.type == Gst.MessageType.EOS:
                raise Failure("the pipeline ended (EOS)")
            w, dbg = m.parse_warning()
            log("warning from %s: %s" % (m.src.get_name(), w.message))

    def wait(self, pred, what):
        """Waits (checking the bus) until pred() holds, or fails naming what it waited for."""
        deadline = time.monotonic() + self.a.timeout
        while not pred():
            self.check_bus()
            if self.stop.is_set():
                raise Failure("interrupted while waiting for " + what)
            if time.monotonic() > deadline:
                raise Failure("timed out after %gs waiting for %s" % (self.a.timeout, what))
            time.sleep(0.05)

    # -- negotiation ------------------------------------------------------

    def promise_call(self, signal_name, *args):
        Gst = self.Gst
        promise = Gst.Promise.new()
        self.webrtc.emit(signal_name, *args, promise)
        if promise.wait() != Gst.PromiseResult.REPLIED:
            raise Failure("%s: no reply from webrtcbin" % signal_name)
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            raise Failure("%s: %s" % (signal_name, reply.get_value("error").message))
        return reply

    def offer(self):
        Gst = self.Gst
        if self.pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            self.check_bus()
            raise Failure("the pipeline would not start (PLAYING failed)")
        # The offer takes its codec from the caps on webrtcbin's sink pad:
        # wait for them (the payloader sends them when the first frame comes).
        pad = self.webrtc.get_static_pad("sink_0")
        self.wait(lambda: pad.get_current_caps() is not None, "the encoder's first caps on webrtcbin")
        reply = self.promise_call("create-offer", None)
        offer = reply.get_value("offer")
        self.promise_call("set-local-description", offer)
        self.wait(self.gathered.is_set, "ICE gathering to complete")
        sdp = self.webrtc.get_property("local-description").sdp.as_text()
        if "a=candidate:" not in sdp:
            raise Failure("ICE gathering found no candidate (no usable network address?)")
        return sdp

    def post(self, offer):
        if self.a.verbose:
            log("offer:\n" + offer)
        status, headers, body = http("POST", self.a.url, self.a.token, self.a.timeout, offer, "application/sdp")
        if status != 201:
            hint = {401: " (a token is needed: --token or ATELIER_TOKEN)",
                    403: " (the token lacks the reviewer role on this session's world)",
                    404: " (no such session, or not visible with this token)",
                    409: " (the session already has a publisher)",
                    422: " (the server refused the offer's codecs)"}.get(status, "")
            raise Failure("POST %s: HTTP %d%s: %s" % (self.a.url, status, hint, body.strip()[:500]))
        loc = headers.get("Location")
        if not loc:
            raise Failure("POST %s: 201 without a Location header" % self.a.url)
        self.resource = urllib.parse.urljoin(self.a.url, loc)
        if self.a.verbose:
            log("answer:\n" + body)
        return body

    def answer(self, text):
        GstSdp, GstWebRTC = self.GstSdp, self.GstWebRTC
        res, msg = GstSdp.SDPMessage.new_from_text(text)
        if res != GstSdp.SDPResult.OK:
            raise Failure("the server's answer is not valid SDP (%s)" % res)
        desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.promise_call("set-remote-description", desc)

    def release(self):
        """Lets packets through, starting on a keyframe the encoder is asked for."""
        Gst = self.Gst
        self.pay_src.remove_probe(self.hold)
        key = Gst.Structure.new_from_string("GstForceKeyUnit, all-headers=(boolean)true")
        self.pipe.get_by_name("enc").send_event(Gst.Event.new_custom(Gst.EventType.CUSTOM_UPSTREAM, key))

    def connected(self):
        """Whether the peer connection is up; raises once it failed or closed."""
        S = self.GstWebRTC.WebRTCPeerConnectionState
        st = self.webrtc.get_property("connection-state")
        if st in (S.FAILED, S.CLOSED):
            raise Failure("the connection %s (ICE %s)" % (
                st.value_nick, self.webrtc.get_property("ice-connection-state").value_nick))
        return st == S.CONNECTED

    def stats(self):
        """packets and bytes sent on the video RTP stream, from webrtcbin's get-stats."""
        try:
            reply = self.promise_call("get-stats", None)
        except Failure:
            return None
        out = {}

        def each(_field, value, *_):
            # One structure per stat; the outbound RTP stream's has packets-sent and bytes-sent.
            if isinstance(value, self.Gst.Structure) and "outbound" in value.get_name() \
                    and value.has_field("packets-sent") and value.has_field("bytes-sent"):
                out["packets"] = out.get("packets", 0) + value.get_value("packets-sent")
                out["bytes"] = out.get("bytes", 0) + value.get_value("bytes-sent")
            return True

        reply.foreach(each)
        return out or None

    # -- the run ----------------------------------------------------------

    def run(self):
        a = self.a
        self.build()
        log("%s %dx%d@%d to %s" % (a.codec.upper().replace("H264", "H.264"), a.width, a.height, a.fps, a.url))
        offer = self.offer()
        answer = self.post(offer)
        log("201 Created, session " + self.resource)
        self.answer(answer)
        self.wait(self.connected, "the peer connection to connect (ICE and DTLS)")
        self.release()
        log("connected; publishing " + ("until Ctrl-C" if a.seconds == 0 else "for %gs" % a.seconds))
        start = time.monotonic()
        while a.seconds == 0 or time.monotonic() - start < a.seconds:
            self.check_bus()
            self.connected()  # raises if the connection failed
            if self.stop.is_set():
                break
            time.sleep(0.1)
        st = self.stats()
        elapsed = time.monotonic() - start
        if st:
            log("published %.1fs: %d RTP packets, %d bytes" % (elapsed, st["packets"], st["bytes"]))
        else:
            log("published %.1fs" % elapsed)

    def close(self):
        """DELETE the session (if any) and stop the pipeline; returns whether DELETE succeeded."""
        ok = True
        if self.resource:
            try:
                status, _, body = http("DELETE", self.resource, self.a.token, self.a.timeout)
                if status not in (200, 204):
                    log("DELETE %s: HTTP %d: %s" % (self.resource, status, body.strip()[:200]))
                    ok = False
                else:
                    log("DELETE %s: %d" % (self.resource, status))
            except Failure as e:
                log(str(e))
                ok = False
            self.resource = None
        if self.pipe is not None:
            self.pipe.set_state(self.Gst.State.NULL)
        return ok


def main(argv):
    a = parse_args(argv)
    host = urllib.parse.urlsplit(a.url).hostname
    try:
        Gst, GstSdp, GstWebRTC, Nice = load_gi(bool(a.local_address) or is_loopback_host(host))
    except Failure as e:
        log("error: " + str(e))
        return 1
    Gst.init(None)
    pub = Publisher(a, Gst, GstSdp, GstWebRTC, Nice)
    signal.signal(signal.SIGINT, lambda *_: pub.stop.set())
    signal.signal(signal.SIGTERM, lambda *_: pub.stop.set())
    code = 0
    try:
        pub.run()
    except Failure as e:
        log("error: " + str(e))
        code = 1
    finally:
        if not pub.close():
            code = 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
