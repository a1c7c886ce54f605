package serve

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/carriersim/carriersim/diameter"
	"github.com/carriersim/carriersim/gtp"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// Prometheus metrics, read at scrape time from the snapshots the parts
// already keep (diameter.Server.Stats, gtp.PGW.Stats, sim.Carrier.Census):
// nothing on the request path calls Prometheus. Names follow its
// conventions: carriersim_ prefix, _total for counters, base units.

// NewRegistry returns a registry with the carrier's collectors (OCS and
// PGW when not nil, the cards, the clock and faults, snapshots) and Go's
// and the process's own. censusEvery bounds how often the cards are
// counted: a scrape within censusEvery of the last count reuses it (a
// count of 10 million cards takes about 50 ms).
func NewRegistry(c *Carrier, censusEvery time.Duration) *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if c.ocs != nil {
		r.MustRegister(gyCollector{c.ocs})
	}
	if c.pgw != nil {
		r.MustRegister(gtpCollector{c.pgw})
	}
	r.MustRegister(&cardCollector{c: c.carrier, every: censusEvery}, &carrierCollector{c})
	return r
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("carriersim_"+name, help, labels, nil)
}

var (
	gyConnections   = desc("gy_connections", "Open Diameter peer connections of the OCS.")
	gyAccepted      = desc("gy_connections_accepted_total", "Diameter connections the OCS accepted.")
	gyRequests      = desc("gy_requests_total", "Requests the OCS received by command (CCR-I, CCR-U, CCR-T, CCR-E, CER, DWR, DPR, other) and answers to its own requests (RAA, ASA, DPA, DWA).", "request")
	gyAnswers       = desc("gy_answers_total", "Answers the OCS sent by Result-Code (0: a code not counted on its own).", "result_code")
	gyCCAnswers     = desc("gy_cc_answers_total", "Answers to Credit-Control-Requests by request (CCR-I, CCR-U, CCR-T, CCR-E; CCR when it did not decode) and Result-Code.", "request", "result_code")
	gyDuplicates    = desc("gy_duplicates_total", "Retransmitted requests answered from the session table without rating.")
	gyDropped       = desc("gy_dropped_total", "Requests the OCS left unanswered (silent outage, duplicate of a request being rated).")
	gySessionsOpen  = desc("gy_sessions_open", "Open credit-control sessions.")
	gyReleased      = desc("gy_sessions_released_total", "Sessions released because they fell silent past their validity (Tcc).")
	gySent          = desc("gy_server_requests_total", "Requests the OCS sent to clients: RAR, ASR.", "request")
	gyLatency       = desc("gy_answer_seconds", "CCRs by the time their batch took to answer, from being taken to the answers encoded (decode, rate, encode).")
	gtpLatency      = desc("gtp_answer_seconds", "GTPv2-C requests by the time taken to answer them (charging over Gy: the OCS's answer included).")
	gyNotifyDrops   = desc("gy_notify_dropped_total", "Card changes lost to a full notification queue (no RAR/ASR sent).")
	gtpRequests     = desc("gtp_requests_total", "GTPv2-C requests the PGW received by message (and DeleteBearer: those it sent).", "message")
	gtpAnswers      = desc("gtp_answers_total", "GTPv2-C responses by message and cause (for DeleteBearer the SGWs' causes; timeout when unanswered).", "message", "cause")
	gtpSessionsOpen = desc("gtp_sessions_open", "PDN connections the PGW holds.")
	gtpMalformed    = desc("gtp_malformed_total", "Malformed datagrams, dropped or rejected with a cause.", "action")
	gtpDuplicates   = desc("gtp_duplicates_total", "Retransmitted requests answered from the duplicate table or dropped while pending.")
	gtpUnknown      = desc("gtp_unknown_messages_total", "Well-formed GTPv2-C messages of types the PGW does not handle.")
	gtpOutage       = desc("gtp_outage_dropped_total", "Requests ignored during a silent outage of the gateway.")
	gtpGPDUs        = desc("gtp_gpdus_total", "G-PDUs received on known tunnels.")
	gtpGPDUBytes    = desc("gtp_gpdu_bytes_total", "T-PDU octets received on known tunnels.")
	gtpUnknownTEID  = desc("gtp_unknown_teid_total", "G-PDUs for unknown tunnels (answered with an Error Indication).")
	gtpDeleted      = desc("gtp_network_deleted_total", "Sessions the PGW tore down itself, by sim reason.", "reason")
	gtpPeerLoss     = desc("gtp_peer_events_total", "Peers seen restarting (restart) and peers that stopped answering Echo (path_failure).", "event")
	gtpRestarts     = desc("gtp_restarts_total", "Restarts of the gateway itself (after silent outages).")
	gtpRecovery     = desc("gtp_recovery", "The gateway's restart counter (Recovery IE).")
	gtpChargeErrs   = desc("gtp_charging_errors_total", "Charging requests of the PGW that failed.")
	gtpMemory       = desc("gtp_session_memory_bytes", "Memory held by the PGW's session table.")
	cardsTotal      = desc("cards", "Cards in the population this process serves.")
	cardsActive     = desc("cards_active", "Cards with no stop reason (they serve data).")
	cardsStopped    = desc("cards_stopped", "Cards carrying each stop reason (a card with several counts under each).", "reason")
	cardsUsed       = desc("cards_used_bytes", "Bytes committed this cycle, all cards.")
	cardsReserved   = desc("cards_reserved_bytes", "Bytes held by open reservations, all cards.")
	cardsBalance    = desc("cards_balance_yuan", "Sum of the cards' balances.")
	cardsAge        = desc("cards_census_age_seconds", "How old the card counts are (they are refreshed at most every few seconds).")
	clockSeconds    = desc("clock_seconds", "The carrier's virtual clock, as a Unix time.")
	clockSpeed      = desc("clock_speed", "Virtual seconds per second.")
	faultsActive    = desc("faults_active", "Faults in force now, by kind (outage, maintenance).", "kind")
	snapshots       = desc("state_snapshots_total", "State snapshots written, by result (ok, error).", "result")
	snapshotAge     = desc("state_snapshot_age_seconds", "Seconds since the last state snapshot was written (absent before the first).")
	anomalies       = desc("anomalies_total", "Impossible states the carrier core repaired (should stay 0).")
)

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

type gyCollector struct{ s *diameter.Server }

func (g gyCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{gyConnections, gyAccepted, gyRequests, gyAnswers, gyCCAnswers, gyDuplicates, gyDropped,
		gySessionsOpen, gyReleased, gySent, gyNotifyDrops, gyLatency} {
		ch <- d
	}
}

func (g gyCollector) Collect(ch chan<- prometheus.Metric) {
	st := g.s.Stats()
	gauge(ch, gyConnections, float64(st.Connections))
	counter(ch, gyAccepted, st.Accepted)
	for k, v := range st.Requests {
		counter(ch, gyRequests, v, k)
	}
	for k, v := range st.Answers {
		counter(ch, gyAnswers, v, strconv.FormatUint(uint64(k), 10))
	}
	for k, v := range st.CCAnswers {
		req, code, _ := strings.Cut(k, ":")
		counter(ch, gyCCAnswers, v, req, code)
	}
	counter(ch, gyDuplicates, st.Duplicates)
	counter(ch, gyDropped, st.Dropped)
	gauge(ch, gySessionsOpen, float64(st.SessionsOpen))
	counter(ch, gyReleased, st.SessionsReleased)
	counter(ch, gySent, st.RARs, "RAR")
	counter(ch, gySent, st.ASRs, "ASR")
	counter(ch, gyNotifyDrops, st.NotifyDropped)
	histogram(ch, gyLatency, &st.Latency)
}

// histogram reports bucket counts as a Prometheus histogram (cumulative
// counts per upper bound, the last bucket being +Inf).
func histogram(ch chan<- prometheus.Metric, d *prometheus.Desc, b *metrics.BucketCounts) {
	cum := make(map[float64]uint64, metrics.NumBuckets-1)
	var n uint64
	for i, v := range b.Counts {
		n += v
		if i < metrics.NumBuckets-1 {
			cum[metrics.BucketBound(i)] = n
		}
	}
	ch <- prometheus.MustNewConstHistogram(d, n, b.Sum.Seconds(), cum)
}

type gtpCollector struct{ p *gtp.PGW }

func (g gtpCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{gtpRequests, gtpAnswers, gtpSessionsOpen, gtpMalformed, gtpDuplicates, gtpUnknown,
		gtpOutage, gtpGPDUs, gtpGPDUBytes, gtpUnknownTEID, gtpDeleted, gtpPeerLoss, gtpRestarts, gtpRecovery,
		gtpChargeErrs, gtpMemory, gtpLatency} {
		ch <- d
	}
}

func (g gtpCollector) Collect(ch chan<- prometheus.Metric) {
	st := g.p.Stats()
	for k, v := range st.Requests {
		counter(ch, gtpRequests, v, k)
	}
	for k, v := range st.Answers {
		msg, cause, _ := strings.Cut(k, ":")
		counter(ch, gtpAnswers, v, msg, cause)
	}
	gauge(ch, gtpSessionsOpen, float64(st.SessionsOpen))
	counter(ch, gtpMalformed, st.MalformedDropped, "dropped")
	counter(ch, gtpMalformed, st.MalformedRejected, "rejected")
	counter(ch, gtpDuplicates, st.Duplicates)
	counter(ch, gtpUnknown, st.UnknownMessages)
	counter(ch, gtpOutage, st.OutageDropped)
	counter(ch, gtpGPDUs, st.GPDUs)
	counter(ch, gtpGPDUBytes, st.GPDUBytes)
	counter(ch, gtpUnknownTEID, st.UnknownTEID)
	for k, v := range st.NetworkDeleted {
		counter(ch, gtpDeleted, v, k)
	}
	counter(ch, gtpPeerLoss, st.PeerRestarts, "restart")
	counter(ch, gtpPeerLoss, st.PathFailures, "path_failure")
	counter(ch, gtpRestarts, st.Restarts)
	gauge(ch, gtpRecovery, float64(st.Recovery))
	counter(ch, gtpChargeErrs, st.ChargingErrors)
	gauge(ch, gtpMemory, float64(st.MemoryBytes))
	histogram(ch, gtpLatency, &st.Latency)
}

// cardCollector counts the cards by state, at most once every every.
type cardCollector struct {
	c     *sim.Carrier
	every time.Duration

	mu     sync.Mutex
	census sim.Census
	at     time.Time
}

func (cc *cardCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cardsTotal, cardsActive, cardsStopped, cardsUsed, cardsReserved, cardsBalance, cardsAge} {
		ch <- d
	}
}

func (cc *cardCollector) Collect(ch chan<- prometheus.Metric) {
	cc.mu.Lock()
	if cc.at.IsZero() || time.Since(cc.at) >= cc.every {
		cc.census, cc.at = cc.c.Census(), time.Now()
	}
	cs, at := cc.census, cc.at
	cc.mu.Unlock()
	gauge(ch, cardsTotal, float64(cs.Cards))
	gauge(ch, cardsActive, float64(cs.Active))
	for r := sim.ReasonManualStop; r <= sim.ReasonCancelled; r++ {
		gauge(ch, cardsStopped, float64(cs.ByReason[r]), r.String())
	}
	gauge(ch, cardsUsed, float64(cs.Used))
	gauge(ch, cardsReserved, float64(cs.Reserved))
	gauge(ch, cardsBalance, float64(cs.Balance)/float64(sim.Yuan))
	gauge(ch, cardsAge, time.Since(at).Seconds())
}

// carrierCollector reports the clock, the faults in force and the state
// snapshots.
type carrierCollector struct{ c *Carrier }

func (cc *carrierCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{clockSeconds, clockSpeed, faultsActive, snapshots, snapshotAge, anomalies} {
		ch <- d
	}
}

func (cc *carrierCollector) Collect(ch chan<- prometheus.Metric) {
	c := cc.c.carrier
	gauge(ch, clockSeconds, float64(c.Clock().UnixNano())/1e9)
	gauge(ch, clockSpeed, c.Clock().Speed())
	n := map[string]int{"outage": 0, "maintenance": 0}
	for _, f := range c.Faults().List() {
		if f.Active {
			n[f.Kind]++
		}
	}
	for k, v := range n {
		gauge(ch, faultsActive, float64(v), k)
	}
	ok, bad, last := cc.c.snapshotStats()
	counter(ch, snapshots, ok, "ok")
	counter(ch, snapshots, bad, "error")
	if !last.IsZero() {
		gauge(ch, snapshotAge, time.Since(last).Seconds())
	}
	counter(ch, anomalies, c.Anomalies())
}
