package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// dataDisk reports the filesystem that holds the data directory (quarantine,
// spool, databases), read at each scrape. It reports nothing until a
// directory is set, nor when the filesystem cannot be read.
type dataDisk struct {
	dir         atomic.Pointer[string]
	avail, size *prometheus.Desc
}

func newDataDisk() *dataDisk {
	return &dataDisk{
		avail: prometheus.NewDesc("dlprelay_data_filesystem_avail_bytes",
			"Bytes free for the relay on the filesystem holding data_dir. When it runs out, quarantined and spooled messages get 451.", nil, nil),
		size: prometheus.NewDesc("dlprelay_data_filesystem_size_bytes",
			"Size of the filesystem holding data_dir.", nil, nil),
	}
}

func (d *dataDisk) Describe(ch chan<- *prometheus.Desc) {
	ch <- d.avail
	ch <- d.size
}

func (d *dataDisk) Collect(ch chan<- prometheus.Metric) {
	dir := d.dir.Load()
	if dir == nil {
		return
	}
	avail, size, err := diskSpace(*dir)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(d.avail, prometheus.GaugeValue, float64(avail))
	ch <- prometheus.MustNewConstMetric(d.size, prometheus.GaugeValue, float64(size))
}

// SetDataDir makes dlprelay_data_filesystem_{avail,size}_bytes report the
// filesystem that holds dir.
func (m *Metrics) SetDataDir(dir string) { m.disk.dir.Store(&dir) }
