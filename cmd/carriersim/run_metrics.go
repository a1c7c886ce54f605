package main

import (
	"fmt"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/carriersim/carriersim/scenarios"
)

// generatorCollector exposes a running scenario's load generators to
// Prometheus: is the generator keeping up (late sends, requests in flight,
// timeouts), read from the runner's progress snapshot at scrape time, so
// the load's hot path makes no Prometheus call.
type generatorCollector struct {
	r                                         *scenarios.Runner
	open, inFlight, sent, answered, late, tmo *prometheus.Desc
	elapsed                                   *prometheus.Desc
}

func newGeneratorCollector(r *scenarios.Runner) *generatorCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("carriersim_load_"+name, help, []string{"interface"}, nil)
	}
	return &generatorCollector{r: r,
		open:     d("sessions_open", "Sessions the load generator has open."),
		inFlight: d("requests_in_flight", "Requests sent and not yet answered or timed out."),
		sent:     d("requests_sent_total", "Requests sent, retransmissions included."),
		answered: d("answers_total", "Answers received."),
		late:     d("late_sends_total", "Requests sent later than their intended time by more than the generator's late bound: the generator is not keeping up."),
		tmo:      d("timeouts_total", "Requests given up after their retransmissions."),
		elapsed:  prometheus.NewDesc("carriersim_load_elapsed_seconds", "Time into the scenario's timeline.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *generatorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.inFlight, c.sent, c.answered, c.late, c.tmo, c.elapsed} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *generatorCollector) Collect(ch chan<- prometheus.Metric) {
	p := c.r.Progress()
	ch <- prometheus.MustNewConstMetric(c.elapsed, prometheus.GaugeValue, p.Elapsed.Seconds())
	for i, s := range p.Drivers {
		in := string(i)
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(s.Open), in)
		ch <- prometheus.MustNewConstMetric(c.inFlight, prometheus.GaugeValue, float64(s.InFlight), in)
		ch <- prometheus.MustNewConstMetric(c.sent, prometheus.CounterValue, float64(s.Sent), in)
		ch <- prometheus.MustNewConstMetric(c.answered, prometheus.CounterValue, float64(s.Answered), in)
		ch <- prometheus.MustNewConstMetric(c.late, prometheus.CounterValue, float64(s.Late), in)
		ch <- prometheus.MustNewConstMetric(c.tmo, prometheus.CounterValue, float64(s.Timeouts), in)
	}
}

// serveGeneratorMetrics serves /metrics for r on addr until the returned
// function is called. It returns the address it listens on.
func serveGeneratorMetrics(addr string, r *scenarios.Runner) (string, func(), error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newGeneratorCollector(r), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("--metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux}
	// Serve ends with ErrServerClosed at the end of the run; the run does
	// not depend on its metrics endpoint.
	go srv.Serve(ln) //nolint:errcheck
	return ln.Addr().String(), func() { srv.Close() }, nil
}
