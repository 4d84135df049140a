package ini

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func mustParse(t *testing.T, name, text string) *File {
	t.Helper()
	f, err := ParseBytes(name, []byte(text))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return f
}

func TestParseParamsAndLists(t *testing.T) {
	f := mustParse(t, "a.ini", `; comment
[SIP Params]
  RegistrationTime=3600
CallProgressTonesFilename = 'usa_tones_13.dat'
EmergencyNumbers = '911', '112', '', ''
Bare = some text here
`)
	if len(f.Params) != 4 {
		t.Fatalf("got %d params, want 4: %+v", len(f.Params), f.Params)
	}
	p, ok := f.Lookup("registrationtime")
	if !ok || p.Values[0].Text != "3600" || p.Values[0].Quote != 0 || p.Pos.Line != 3 || p.Pos.Col != 3 {
		t.Fatalf("RegistrationTime = %+v", p)
	}
	em, _ := f.Lookup("EmergencyNumbers")
	var texts []string
	for _, v := range em.Values {
		texts = append(texts, v.Text)
	}
	if strings.Join(texts, "|") != "911|112||" {
		t.Fatalf("EmergencyNumbers items = %q", texts)
	}
	if b, _ := f.Lookup("Bare"); b.Values[0].Text != "some text here" {
		t.Fatalf("bare value %q", b.Values[0].Text)
	}
}

func TestParseTables(t *testing.T) {
	f := mustParse(t, "t.ini", `[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestAddress, PREFIX_DestinationPrefix;
PREFIX 1 = "10.0.0.1", "10";
PREFIX 0 = $$, "*" ; trailing comment
[ \PREFIX ]
`)
	tb := f.Table("prefix")
	if tb == nil || len(tb.Rows) != 2 || len(tb.Columns) != 2 {
		t.Fatalf("table = %+v", tb)
	}
	if tb.Columns[0] != "PREFIX_DestAddress" || tb.Rows[0].Index != 1 || tb.Rows[1].Values[0].IsDefault() != true {
		t.Fatalf("table content = %+v", tb)
	}
	if tb.Rows[1].Values[1].Text != "*" || tb.Rows[1].Values[1].Quote != '"' {
		t.Fatalf("quoted star = %+v", tb.Rows[1].Values[1])
	}
}

func TestCRLF(t *testing.T) {
	b, err := os.ReadFile("testdata/crlf.ini")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseBytes("crlf.ini", b)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := f.Lookup("B"); p.Values[0].Text != "x, y" {
		t.Fatalf("B = %+v", p)
	}
	if tb := f.Table("T"); tb == nil || tb.Rows[0].Values[0].Text != "1" || !tb.Rows[0].Values[1].IsDefault() {
		t.Fatalf("T = %+v", tb)
	}
}

func TestErrorsNameEveryBadLine(t *testing.T) {
	text := "Good = 1\n" +
		"Bad line without equals\n" + // 2
		"S = 'unterminated\n" + // 3
		"X 0 = 1;\n" + // 4: row before FORMAT
		"[ T ]\n" +
		"FORMAT T_Index = T_a, T_b;\n" +
		"T 0 = 1, 2;\n" +
		"T 0 = 3, 4;\n" + // 8: duplicate index
		"T 1 = 1;\n" + // 9: wrong count
		"T x = 1, 2;\n" + // 10: bad index
		"T 2 = 1, 2\n" + // 11: no ';'
		"[ broken\n" // 12
	_, err := ParseBytes("bad.ini", []byte(text))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v, want ErrorList", err)
	}
	wantLines := []int{2, 3, 4, 8, 9, 10, 11, 12}
	if len(list) != len(wantLines) {
		t.Fatalf("got %d errors, want %d:\n%v", len(list), len(wantLines), err)
	}
	for i, e := range list {
		if e.Pos.Line != wantLines[i] || e.Pos.File != "bad.ini" {
			t.Errorf("error %d at %v, want line %d: %v", i, e.Pos, wantLines[i], e)
		}
	}
	if !strings.Contains(list[1].Error(), "bad.ini:3:5: S: unterminated") {
		t.Errorf("column or text wrong: %v", list[1])
	}
	if !strings.Contains(list[3].Error(), "index 0 appears twice (first at line 7)") {
		t.Errorf("duplicate index message: %v", list[3])
	}
}

func TestLineTooLong(t *testing.T) {
	_, err := ParseBytes("long.ini", []byte("A = "+strings.Repeat("x", MaxLineLength+10)+"\n"))
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("err = %v, want ErrLineTooLong", err)
	}
}

// equalFiles compares what the model means: names, values (text, and
// whether they are the $$ placeholder), tables and rows; not positions or
// quote style.
func equalFiles(a, b *File) bool {
	if len(a.Params) != len(b.Params) || len(a.Tables) != len(b.Tables) {
		return false
	}
	for i := range a.Params {
		if a.Params[i].Name != b.Params[i].Name || !equalValues(a.Params[i].Values, b.Params[i].Values) {
			return false
		}
	}
	for i, ta := range a.Tables {
		tb := b.Tables[i]
		if ta.Name != tb.Name || ta.IndexName != tb.IndexName || strings.Join(ta.Columns, ",") != strings.Join(tb.Columns, ",") || len(ta.Rows) != len(tb.Rows) {
			return false
		}
		for j := range ta.Rows {
			if ta.Rows[j].Index != tb.Rows[j].Index || !equalValues(ta.Rows[j].Values, tb.Rows[j].Values) {
				return false
			}
		}
	}
	return true
}

func equalValues(a, b []Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Text != b[i].Text || a[i].IsDefault() != b[i].IsDefault() {
			return false
		}
	}
	return true
}

func roundTrip(t testing.TB, name string, src []byte) {
	f1, err := ParseBytes(name, src)
	if err != nil {
		return
	}
	var buf bytes.Buffer
	if err := Write(&buf, f1); err != nil {
		t.Fatal(err)
	}
	f2, err := ParseBytes(name+"(written)", buf.Bytes())
	if err != nil {
		t.Fatalf("written file does not parse: %v\n--- input\n%q\n--- written\n%s", err, src, buf.String())
	}
	if !equalFiles(f1, f2) {
		t.Fatalf("round trip changed the model\n--- input\n%q\n--- written\n%s", src, buf.String())
	}
}

func TestRoundTripDeviceExport(t *testing.T) {
	b, err := os.ReadFile("testdata/device-export.ini")
	if err != nil {
		t.Fatal(err)
	}
	f := mustParse(t, "device-export.ini", string(b))
	if len(f.Tables) != 3 || len(f.Table("PREFIX").Rows) != 2 || len(f.Table("PREFIX").Columns) != 17 {
		t.Fatalf("device export tables = %d", len(f.Tables))
	}
	if p, _ := f.Lookup("AUPDDigestPassword"); !p.Values[0].IsHidden() {
		t.Fatalf("hidden secret not recognised: %+v", p)
	}
	roundTrip(t, "device-export.ini", b)
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/device-export.ini", "testdata/crlf.ini"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("A = 'x''y'\nB = \"q\", 'r',s\n"))
	f.Add([]byte("[ T ]\nFORMAT T_Index = T_a;\nT 0 = ;\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip(t, "fuzz.ini", b)
	})
}
