#!/bin/sh
# make-fixtures.sh regenerates the media fixtures of package recording.
#
# The fixtures are committed; CI never runs this script and needs no ffmpeg.
# Needs ffmpeg with libvpx, libx264 and libopus (Debian: apt-get install ffmpeg).
#
#   clip-vp8.ivf  2 s, 320x240, 30 fps VP8, a keyframe every 15 frames (60 frames)
#   clip-vp9.ivf  the same picture as VP9 profile 0, same keyframe interval
#   clip.h264     the same picture as H.264 Annex-B, constrained baseline, an IDR
#                 with SPS/PPS every 15 frames, no B-frames, no AUDs (60 access units)
#   clip.ogg      2 s of a 440 Hz tone as Opus, 48 kHz mono, 20 ms packets, one
#                 packet per Ogg page (100 packets)
set -eu
cd "$(dirname "$0")"

src="testsrc=size=320x240:rate=30"

ffmpeg -hide_banner -loglevel error -y -f lavfi -i "$src" -t 2 \
	-c:v libvpx -b:v 200k -g 15 -keyint_min 15 -auto-alt-ref 0 -lag-in-frames 0 \
	-deadline realtime -cpu-used 8 -f ivf clip-vp8.ivf

ffmpeg -hide_banner -loglevel error -y -f lavfi -i "$src" -t 2 \
	-c:v libvpx-vp9 -b:v 200k -g 15 -keyint_min 15 -auto-alt-ref 0 -lag-in-frames 0 \
	-deadline realtime -cpu-used 8 -row-mt 0 -f ivf clip-vp9.ivf

ffmpeg -hide_banner -loglevel error -y -f lavfi -i "$src" -t 2 \
	-c:v libx264 -profile:v baseline -pix_fmt yuv420p -b:v 200k \
	-g 15 -keyint_min 15 -sc_threshold 0 -bf 0 \
	-x264-params repeat-headers=1:aud=0 -bsf:v h264_mp4toannexb -f h264 clip.h264

ffmpeg -hide_banner -loglevel error -y -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 2 \
	-ac 1 -c:a libopus -b:a 24k -frame_duration 20 -application lowdelay \
	-page_duration 20000 -f ogg clip.ogg

ls -l clip-vp8.ivf clip-vp9.ivf clip.h264 clip.ogg
