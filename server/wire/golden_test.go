package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"atelier/store"
)

// The golden vectors. notes.json and js-captured.json are written by
// server/testdata/interop/capture.mjs from real JS packages; go-encoded.json
// is written by this test with -update and checked by
// server/testdata/interop/check-go-vectors.mjs.
const (
	notesFile     = "testdata/notes.json"
	capturedFile  = "testdata/js-captured.json"
	goEncodedFile = "testdata/go-encoded.json"
	jsChecker     = "../testdata/interop/check-go-vectors.mjs"
)

var update = flag.Bool("update", false, "rewrite testdata/go-encoded.json")

// vectorFile is the layout of the golden vector files.
type vectorFile struct {
	Description string            `json:"description"`
	Generator   string            `json:"generator"`
	Packages    map[string]string `json:"packages,omitempty"`
	Vectors     []vector          `json:"vectors"`
}

// vector is one frame: its bytes, the Message Decode must produce, and the
// object automerge-repo's cbor-x decoder produces (data as {"$hex": …}).
type vector struct {
	Name      string          `json:"name"`
	Origin    string          `json:"origin,omitempty"`
	Direction string          `json:"direction"`
	Hex       string          `json:"hex"`
	Message   *vectorMessage  `json:"message,omitempty"`
	JS        json.RawMessage `json:"js"`
}

// vectorMessage is a Message as the vector files spell it.
type vectorMessage struct {
	Type                      string      `json:"type"`
	SenderID                  string      `json:"senderId,omitempty"`
	TargetID                  string      `json:"targetId,omitempty"`
	DocumentID                string      `json:"documentId,omitempty"`
	Data                      string      `json:"data,omitempty"`
	Count                     *uint64     `json:"count,omitempty"`
	SessionID                 string      `json:"sessionId,omitempty"`
	PeerMetadata              *vectorMeta `json:"peerMetadata,omitempty"`
	SupportedProtocolVersions []string    `json:"supportedProtocolVersions,omitempty"`
	SelectedProtocolVersion   string      `json:"selectedProtocolVersion,omitempty"`
	ErrorMessage              string      `json:"errorMessage,omitempty"`
}

type vectorMeta struct {
	StorageID   string `json:"storageId,omitempty"`
	IsEphemeral bool   `json:"isEphemeral"`
}

func (v *vectorMessage) toMessage(t *testing.T) *Message {
	t.Helper()
	data, err := hex.DecodeString(v.Data)
	if err != nil {
		t.Fatalf("vector data: %v", err)
	}
	m := &Message{
		Type: v.Type, SenderID: PeerID(v.SenderID), TargetID: PeerID(v.TargetID),
		DocumentID: store.DocID(v.DocumentID), SessionID: v.SessionID,
		SupportedProtocolVersions: v.SupportedProtocolVersions,
		SelectedProtocolVersion:   v.SelectedProtocolVersion, ErrorMessage: v.ErrorMessage,
	}
	if len(data) > 0 {
		m.Data = data
	}
	if v.Count != nil {
		m.Count = *v.Count
	}
	if v.PeerMetadata != nil {
		m.PeerMetadata = &PeerMetadata{StorageID: v.PeerMetadata.StorageID, IsEphemeral: v.PeerMetadata.IsEphemeral}
	}
	return m
}

func readVectors(t testing.TB, path string) vectorFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Vectors) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	return f
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGoldenDecode decodes every frame from the notes and from the real JS
// packages and checks the Message field by field.
func TestGoldenDecode(t *testing.T) {
	for _, path := range []string{notesFile, capturedFile} {
		for _, v := range readVectors(t, path).Vectors {
			t.Run(v.Name, func(t *testing.T) {
				got, err := Decode(mustHex(t, v.Hex))
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if want := v.Message.toMessage(t); !reflect.DeepEqual(got, want) {
					t.Errorf("Decode =\n%+v\nwant\n%+v", got, want)
				}
			})
		}
	}
}

// TestGoldenNotesJoinBytes pins the join example of notes §1.10 byte for byte.
func TestGoldenNotesJoinBytes(t *testing.T) {
	const want = "b90004" + "6474797065" + "646a6f696e" +
		"6873656e6465724964" + "6b676f2d636c69656e742d31" +
		"6c706565724d65746164617461" + "b90002" +
		"6973746f726167654964" + "7824" + "31313131313131312d323232322d343333332d383434342d353535353535353535353535" +
		"6b6973457068656d6572616c" + "f4" +
		"7819" + "737570706f7274656450726f746f636f6c56657273696f6e73" + "81" + "6131"
	for _, v := range readVectors(t, notesFile).Vectors {
		if v.Name == "notes-join" && v.Hex != want {
			t.Fatalf("notes-join =\n%s\nwant\n%s", v.Hex, want)
		}
	}
	if len(want)/2 != 141 {
		t.Fatalf("notes say 141 bytes, constant has %d", len(want)/2)
	}
}

// goEncoded re-encodes every golden frame with Encode. Each result must
// decode in JS to the same object as the original frame.
func goEncoded(t *testing.T) vectorFile {
	out := vectorFile{
		Description: "Every golden frame re-encoded by server/wire.Encode; JS must decode each to its js object",
		Generator:   "server/wire golden_test.go -update",
	}
	for _, path := range []string{notesFile, capturedFile} {
		for _, v := range readVectors(t, path).Vectors {
			m, err := Decode(mustHex(t, v.Hex))
			if err != nil {
				t.Fatalf("%s: Decode: %v", v.Name, err)
			}
			b, err := Encode(m)
			if err != nil {
				t.Fatalf("%s: Encode: %v", v.Name, err)
			}
			out.Vectors = append(out.Vectors, vector{
				Name: "go-" + v.Name, Origin: "server/wire.Encode of " + v.Name,
				Direction: v.Direction, Hex: hex.EncodeToString(b), JS: v.JS,
			})
		}
	}
	return out
}

// TestGoldenEncode checks Encode's output byte for byte against
// testdata/go-encoded.json (rewrite it with -update), and that each frame
// decodes back to the same Message.
func TestGoldenEncode(t *testing.T) {
	got := goEncoded(t)
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goEncodedFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readVectors(t, goEncodedFile)
	if len(want.Vectors) != len(got.Vectors) {
		t.Fatalf("%s has %d vectors, Encode made %d; run go test -update", goEncodedFile, len(want.Vectors), len(got.Vectors))
	}
	for i, v := range got.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			if w := want.Vectors[i]; w.Name != v.Name || w.Hex != v.Hex {
				t.Fatalf("Encode = %s\nwant   %s (%s); run go test -update if intended", v.Hex, w.Hex, w.Name)
			}
			b := mustHex(t, v.Hex)
			if b[0] < 0xa0 || b[0] > 0xb7 {
				t.Errorf("map header 0x%02x, want a definite-length shortest-form map", b[0])
			}
			m, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(Encode) = %v", err)
			}
			again, err := Encode(m)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("Encode(Decode(b)) = %x, %v; want b", again, err)
			}
		})
	}
}

// TestGoldenEncodeDecodesInJS runs check-go-vectors.mjs, which decodes every
// Go-encoded frame with automerge-repo's own cbor helper. It needs node and
// the root node_modules (make deps); it fails without them.
func TestGoldenEncodeDecodesInJS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required (make deps installs the test dependencies)")
	}
	if _, err := os.Stat(filepath.Join("..", "..", "node_modules", "@automerge", "automerge-repo")); err != nil {
		t.Fatal("node_modules missing: run make deps (npm install at the module root)")
	}
	out, err := exec.Command(node, jsChecker, goEncodedFile).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", jsChecker, err, out)
	}
}
