#!/usr/bin/env bash
# make-fixtures.sh regenerates the media fixtures of review/media and
# review/whipclient tests: two seconds of ffmpeg's test pattern (320x240,
# 30 fps, a keyframe every 30 frames) in VP8 and VP9 (IVF) and H.264
# (Annex-B, constrained baseline), and two seconds of a 440 Hz sine in Opus
# (Ogg, one 20 ms packet per page as pion's oggreader needs).
#
# The fixtures are checked in: tests and CI never run ffmpeg. Run this only
# to change them (Debian: apt-get install ffmpeg), then commit the files.
set -euo pipefail
cd "$(dirname "$0")"

ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
src=(-f lavfi -i testsrc=size=320x240:rate=30 -t 2 -pix_fmt yuv420p)

# VP8: no alternate reference frames, so every IVF frame is a shown frame.
ff "${src[@]}" -c:v libvpx -b:v 300k -g 30 -keyint_min 30 -auto-alt-ref 0 \
	-deadline realtime -cpu-used 8 clip-vp8.ivf
# VP9: no lookahead and no alternate references, so no superframes.
ff "${src[@]}" -c:v libvpx-vp9 -b:v 300k -g 30 -keyint_min 30 -auto-alt-ref 0 \
	-lag-in-frames 0 -deadline realtime -cpu-used 8 clip-vp9.ivf
# H.264: constrained baseline (no B-frames), Annex-B. zerolatency's sliced
# threads give several slices per picture (two on the 2-core machine that made
# the checked-in file), which the WHIP client groups into access units.
ff "${src[@]}" -c:v libx264 -profile:v baseline -level 3.0 -g 30 -keyint_min 30 \
	-sc_threshold 0 -bf 0 -tune zerolatency -b:v 300k \
	-bsf:v h264_mp4toannexb -f h264 clip.h264
# Opus: 20 ms frames, one packet per Ogg page (page_duration is in µs).
ff -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -c:a libopus -b:a 48k \
	-frame_duration 20 -page_duration 20000 -application audio clip.ogg

ls -l clip-vp8.ivf clip-vp9.ivf clip.h264 clip.ogg
