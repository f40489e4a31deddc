package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"atelier/review/media"
	"atelier/review/recording"
)

// mediaEngine builds the WebRTC engine of review streams from the serve flags.
func mediaEngine(f *serveFlags, log *slog.Logger) (*media.Engine, error) {
	var cfg media.Config
	switch f.rtcLoopback {
	case "true":
		cfg.IncludeLoopback = true
	case "false":
	case "auto", "":
		cfg.IncludeLoopback = isLoopback(f.addr)
	default:
		return nil, fmt.Errorf("serve: --rtc-loopback %q: want true, false or auto", f.rtcLoopback)
	}
	if f.rtcUDPPorts != "" {
		lo, hi, ok := strings.Cut(f.rtcUDPPorts, "-")
		min, err1 := strconv.ParseUint(lo, 10, 16)
		max, err2 := strconv.ParseUint(hi, 10, 16)
		if !ok || err1 != nil || err2 != nil || min == 0 || min > max {
			return nil, fmt.Errorf("serve: --rtc-udp-ports %q: want MIN-MAX, e.g. 50000-50100", f.rtcUDPPorts)
		}
		cfg.UDPPortMin, cfg.UDPPortMax = uint16(min), uint16(max)
	}
	if f.rtcNATIPs != "" {
		cfg.NAT1To1IPs = strings.Split(f.rtcNATIPs, ",")
	}
	eng, err := media.NewEngine(cfg, log.With("component", "media"))
	if err != nil {
		return nil, fmt.Errorf("serve: review streams: %w", err)
	}
	return eng, nil
}

// playbackConfig gives recordings' playback the network settings of the
// live streams.
func playbackConfig(eng *media.Engine) recording.Config {
	c := eng.Config()
	return recording.Config{
		ICEServers: c.ICEServers, InterfaceFilter: c.InterfaceFilter, IncludeLoopback: c.IncludeLoopback,
		NetworkTypes: c.NetworkTypes, UDPPortMin: c.UDPPortMin, UDPPortMax: c.UDPPortMax,
	}
}
