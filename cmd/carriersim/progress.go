package main

import (
	"io"
	"os"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress draws mpb bars on a terminal and plain lines elsewhere (CI logs),
// so long work is visible either way.
type progress struct {
	w       io.Writer
	enabled bool
	tty     bool
	p       *mpb.Progress
	bar     *mpb.Bar
	stop    chan struct{}
	start   time.Time
	label   string
}

func newProgress(w io.Writer, enabled bool) *progress {
	return &progress{w: w, enabled: enabled, tty: isTerminal(w)}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// spinner shows label until done.
func (p *progress) spinner(label string) {
	p.start, p.label = time.Now(), label
	if !p.enabled {
		return
	}
	if !p.tty {
		io.WriteString(p.w, label+" ...\n")
		return
	}
	p.p = mpb.New(mpb.WithOutput(p.w), mpb.WithWidth(40))
	p.bar = p.p.New(0, mpb.SpinnerStyle(), mpb.PrependDecorators(decor.Name(label+" ")),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO)))
}

// timed shows a bar filling over d.
func (p *progress) timed(label string, d time.Duration) {
	p.start, p.label = time.Now(), label
	if !p.enabled {
		return
	}
	if !p.tty {
		io.WriteString(p.w, label+" for "+d.String()+" ...\n")
		return
	}
	p.p = mpb.New(mpb.WithOutput(p.w), mpb.WithWidth(40))
	total := int64(d / time.Millisecond)
	p.bar = p.p.New(total, mpb.BarStyle(), mpb.PrependDecorators(decor.Name(label+" ")),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO), decor.Percentage(decor.WCSyncSpace)))
	p.stop = make(chan struct{})
	go func(bar *mpb.Bar, stop chan struct{}) {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				bar.SetCurrent(min(int64(time.Since(p.start)/time.Millisecond), total))
			}
		}
	}(p.bar, p.stop)
}

// done finishes the current bar or line.
func (p *progress) done() {
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
	if p.bar != nil {
		if total := p.bar.Current(); total >= 0 {
			p.bar.SetTotal(-1, true)
		}
		p.p.Wait()
		p.bar, p.p = nil, nil
		return
	}
	if p.enabled && !p.tty {
		io.WriteString(p.w, p.label+": done in "+time.Since(p.start).Round(time.Millisecond).String()+"\n")
	}
}
