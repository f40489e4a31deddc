package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"atelier/review/whipclient"
)

// filesFlag collects repeated --file flags.
type filesFlag []string

func (f *filesFlag) String() string     { return strings.Join(*f, ",") }
func (f *filesFlag) Set(v string) error { *f = append(*f, v); return nil }

// runPublish publishes media files to a review session over WHIP until
// they end (or, with --loop, until interrupted).
func runPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var files filesFlag
	var opts whipclient.PublishOptions
	fs := flag.NewFlagSet("atelier publish", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&files, "file", "a media file: .ivf (VP8/VP9), .h264 (Annex-B) or .ogg (Opus); repeat for video and audio")
	fs.StringVar(&opts.Token, "token", os.Getenv("ATELIER_TOKEN"), "bearer token (env ATELIER_TOKEN); needs the reviewer role")
	fs.BoolVar(&opts.Loop, "loop", false, "start the files over at their end, until interrupted")
	fs.Float64Var(&opts.H264FrameRate, "h264-fps", 30, "frame rate of .h264 files (they carry no timestamps)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: atelier publish --file clip.ivf [--file clip.ogg] [--loop] WHIP-URL")
		fmt.Fprintln(stderr, "  e.g. atelier publish --file clip.ivf http://127.0.0.1:8080/api/reviews/SESSION/whip")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 || len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	opts.URL, opts.Files = fs.Arg(0), files
	opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fmt.Fprintf(stdout, "publishing %s to %s\n", strings.Join(files, " + "), opts.URL)
	err := whipclient.Publish(ctx, opts)
	if errors.Is(err, context.Canceled) {
		err = nil // interrupted: the session was ended with DELETE
	}
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	fmt.Fprintln(stdout, "done")
	return nil
}
