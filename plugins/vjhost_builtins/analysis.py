"""The built-in audio analyzers: spectrum, onsets/drums, beats, energy/sections.

Every class here is an :class:`vjhost.protocols.Analyzer`, built as
``Cls(sample_rate, hop)`` and called **on the analysis thread only**, once per
hop, with the newest ``hop`` mono float32 samples.  They run in the order
spectrum (10) -> onsets (20) -> beats (30) -> energy (40), but none of them
depends on another's output: each keeps the little state it needs (its own
rolling FFT where it needs one), so any of them can be disabled or bypassed
after a fault without breaking the rest.

All of them are causal (they only ever see past samples), allocate nothing
per hop beyond small temporaries, and cost tens of microseconds per hop.
Times are in seconds and frequencies in Hz throughout, so the same settings
work at any sample rate and hop.
"""

from __future__ import annotations

import math

import numpy as np
import pyfftw

from vjhost.protocols import N_BANDS, Features

__all__ = ["SpectrumAnalyzer", "OnsetAnalyzer", "BeatTracker", "EnergyAnalyzer", "N_FFT"]

N_FFT = 2048  #: analysis window (samples)
BAND_EDGES_HZ = np.geomspace(40.0, 16000.0, N_BANDS + 1)  #: the 8 log-spaced bands of ``Features.bands``
BASS_HZ = 150.0  #: bass below, mid between, high above HIGH_HZ
HIGH_HZ = 4000.0
_LOG_GAIN = 1e4  #: log1p(gain * magnitude): a -60 dBFS noise floor sits at the knee


# =========================================================================== shared helpers


def _per_hop(hop_s: float, t10: float) -> float:
    """Multiplier per hop that takes an envelope from 1 down to 0.1 in ``t10`` seconds."""
    return 0.1 ** (hop_s / t10)


def _ema(hop_s: float, tau: float) -> float:
    """Smoothing coefficient of a one-pole average with time constant ``tau`` seconds."""
    return 1.0 - math.exp(-hop_s / tau)


def _band_matrix(freqs: np.ndarray, edges: list[tuple[float, float]], mean: bool = False) -> np.ndarray:
    """``(len(edges), n_bins)`` 0/1 rows selecting the bins in each ``[lo, hi)`` band (or averaging them)."""
    m = np.zeros((len(edges), len(freqs)), np.float32)
    for i, (lo, hi) in enumerate(edges):
        sel = (freqs >= lo) & (freqs < hi)
        if not sel.any():  # a band narrower than a bin: take the nearest bin
            sel[int(np.argmin(np.abs(freqs - math.sqrt(lo * hi))))] = True
        m[i, sel] = 1.0 / sel.sum() if mean else 1.0
    return m


class _RollingSpectrum:
    """Hann-windowed magnitude spectrum of the newest ``n_fft`` samples.

    Keeps a doubled ring buffer so the window is always one contiguous view,
    and one FFTW plan built at construction; ``push`` + ``compute`` allocate
    nothing.  Magnitudes are scaled so a full-scale sine peaks at about 1.
    """

    def __init__(self, sample_rate: int, n_fft: int = N_FFT) -> None:
        self.n_fft = n_fft
        self.n_bins = n_fft // 2 + 1
        self.freqs = np.arange(self.n_bins) * (sample_rate / n_fft)
        self._ring = np.zeros(2 * n_fft, np.float32)
        self._w = 0  # next write position == oldest sample
        self._win = (np.hanning(n_fft + 1)[:-1] / (n_fft / 4)).astype(np.float32)
        self._in = pyfftw.empty_aligned(n_fft, dtype="float32")
        self._out = pyfftw.empty_aligned(self.n_bins, dtype="complex64")
        self._plan = pyfftw.FFTW(self._in, self._out, flags=("FFTW_ESTIMATE",), threads=1)
        self.mag = np.zeros(self.n_bins, np.float32)

    def push(self, block: np.ndarray) -> None:
        n, w = self.n_fft, self._w
        x = block[-n:]
        first = min(len(x), n - w)
        self._ring[w : w + first] = x[:first]
        self._ring[w + n : w + n + first] = x[:first]
        rest = len(x) - first
        if rest:
            self._ring[:rest] = x[first:]
            self._ring[n : n + rest] = x[first:]
        self._w = (w + len(x)) % n

    def compute(self) -> np.ndarray:
        np.multiply(self._ring[self._w : self._w + self.n_fft], self._win, out=self._in)
        self._plan.execute()
        np.abs(self._out, out=self.mag)
        return self.mag

    def reset(self) -> None:
        self._ring[:] = 0.0
        self._w = 0
        self.mag[:] = 0.0


class _AutoGain:
    """Automatic gain: divides by a running maximum that decays slowly, so values sit in 0..1.

    ``floor`` keeps silence (and a noise floor) from being amplified up to 1.
    """

    def __init__(self, n: int, hop_s: float, half_life: float, floor: np.ndarray | float) -> None:
        self._decay = np.float32(0.5 ** (hop_s / half_life))
        self._floor = np.broadcast_to(np.asarray(floor, np.float32), (n,)).copy()
        self.peak = self._floor.copy()
        self.out = np.zeros(n, np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        np.multiply(self.peak, self._decay, out=self.peak)
        np.maximum(self.peak, x, out=self.peak)
        np.maximum(self.peak, self._floor, out=self.peak)
        np.divide(x, self.peak, out=self.out)
        return self.out

    def reset(self) -> None:
        self.peak[:] = self._floor
        self.out[:] = 0.0


class _PeakTrigger:
    """Fires when a non-negative detection function jumps above an adaptive threshold.

    The threshold is the larger of ``mean + k * deviation`` (running averages
    over ~``tau`` seconds), ``rel`` times a slowly decaying running maximum and
    an absolute ``floor``; after a hit it stays quiet for ``refractory`` seconds.
    The reference peak moves 30 % of the way towards a new maximum per hop.
    """

    def __init__(self, hop_s: float, refractory: float, k: float, rel: float, floor: float,
                 tau: float = 1.0, max_half_life: float = 4.0) -> None:
        self._a = _ema(hop_s, tau)
        self._k, self._rel, self._floor = k, rel, floor
        self._max_decay = 0.5 ** (hop_s / max_half_life)
        self._refractory_hops = refractory / hop_s
        self.reset()

    def reset(self) -> None:
        self.mean = 0.0
        self.dev = 0.0
        self.max = 0.0
        self._since = 1e9

    def update(self, x: float) -> bool:
        thr = max(self.mean + self._k * self.dev, self._rel * self.max, self._floor)
        self._since += 1
        fire = x > thr and self._since >= self._refractory_hops
        if fire:
            self._since = 0
        # the reference peak rises only part-way to a new maximum, so one outlier (the first hit
        # after silence) doesn't deafen the detector; it decays slowly
        self.max = self.max * self._max_decay if x <= self.max else self.max + 0.3 * (x - self.max)
        xc = min(x, thr * 2.0) if self.mean > 0 else x  # one huge hit must not deafen the detector
        self.dev += self._a * (abs(xc - self.mean) - self.dev)
        self.mean += self._a * (xc - self.mean)
        return fire


# =========================================================================== SpectrumAnalyzer


class SpectrumAnalyzer:
    """Levels and spectrum shape: ``rms``, ``peak``, ``bands``, ``bass``/``mid``/``high``, ``centroid``, ``flux``.

    - ``peak`` is the hop's absolute sample peak (0..1, not gain-normalised).
    - ``rms``, the 8 log-spaced ``bands`` (40 Hz-16 kHz), ``bass`` (<150 Hz),
      ``mid`` and ``high`` (>4 kHz) are band amplitudes divided by their own
      slowly decaying maximum (half-life ``AGC_HALF_LIFE``), so they sit in 0..1
      on any track; silence stays near 0.
    - ``centroid`` is the amplitude-weighted mean position of the normalised
      bands, 0 = lowest band, 1 = highest.
    - ``flux`` is positive spectral flux of the log-magnitude spectrum, gain-normalised.
    """

    AGC_HALF_LIFE = 6.0  #: seconds for the automatic gain's reference to halve
    LEVEL_FLOOR = 10 ** (-50 / 20)  #: amplitudes below -50 dBFS never normalise to 1

    def __init__(self, sample_rate: int, hop: int) -> None:
        self.sample_rate, self.hop = int(sample_rate), int(hop)
        hop_s = hop / sample_rate
        self._spec = _RollingSpectrum(sample_rate)
        f = self._spec.freqs
        nyq = sample_rate / 2
        edges = [(float(BAND_EDGES_HZ[i]), float(min(BAND_EDGES_HZ[i + 1], nyq))) for i in range(N_BANDS)]
        edges += [(20.0, BASS_HZ), (BASS_HZ, HIGH_HZ), (HIGH_HZ, min(20000.0, nyq))]
        self._bands = _band_matrix(f, edges)  # (11, n_bins): power sums
        self._n = len(edges)
        self._power = np.zeros(self._spec.n_bins, np.float32)
        self._bandpow = np.zeros(self._n, np.float32)
        self._levels = np.zeros(self._n + 2, np.float32)  # 11 band amplitudes, rms, flux
        self._flux_sel = (f >= 30.0) & (f <= 16000.0)
        self._log = np.zeros(self._spec.n_bins, np.float32)
        self._prev_log = np.zeros(self._spec.n_bins, np.float32)
        self._diff = np.zeros(self._spec.n_bins, np.float32)
        self._flux_w = (self._flux_sel / self._flux_sel.sum()).astype(np.float32)
        floors = np.full(self._n + 2, self.LEVEL_FLOOR, np.float32)
        floors[-1] = 0.05  # flux floor (log units per bin)
        self._agc = _AutoGain(self._n + 2, hop_s, self.AGC_HALF_LIFE, floors)
        self._positions = np.linspace(0.0, 1.0, N_BANDS, dtype=np.float32)

    def reset(self) -> None:
        self._spec.reset()
        self._agc.reset()
        self._prev_log[:] = 0.0

    def process(self, block: np.ndarray, features: Features) -> None:
        spec = self._spec
        spec.push(block)
        mag = spec.compute()
        np.multiply(mag, mag, out=self._power)
        np.dot(self._bands, self._power, out=self._bandpow)
        lv = self._levels
        np.sqrt(self._bandpow, out=lv[: self._n])
        lv[self._n] = math.sqrt(float(np.dot(block, block)) / max(1, len(block)))
        # positive flux of the log spectrum
        np.multiply(mag, _LOG_GAIN, out=self._log)
        np.log1p(self._log, out=self._log)
        np.subtract(self._log, self._prev_log, out=self._diff)
        np.maximum(self._diff, 0.0, out=self._diff)
        lv[self._n + 1] = float(np.dot(self._diff, self._flux_w))
        self._log, self._prev_log = self._prev_log, self._log

        v = self._agc(lv)
        bands = features.bands
        if bands.shape != (N_BANDS,):
            bands = features.bands = np.zeros(N_BANDS, np.float32)
        bands[:] = v[:N_BANDS]
        features.bass = float(v[N_BANDS])
        features.mid = float(v[N_BANDS + 1])
        features.high = float(v[N_BANDS + 2])
        features.rms = float(v[self._n])
        features.flux = float(v[self._n + 1])
        features.peak = float(min(1.0, max(float(block.max()), -float(block.min())))) if len(block) else 0.0
        total = float(bands.sum())
        features.centroid = float(np.dot(bands, self._positions)) / total if total > 1e-6 else 0.0


# =========================================================================== OnsetAnalyzer


class OnsetAnalyzer:
    """Onsets (aubio) plus kick / snare / hi-hat triggers from band-limited spectral flux.

    - ``onset``: a fast path (512-sample frames every ~128 samples: the click band's
      (3-16 kHz) level rise over an adaptive median + k * MAD threshold, on the rising
      edge, refractory 30 ms) usually fires in the hop of the hit or the next (~8 ms
      median report latency); aubio's detector (``method``, 2048 window, waits for its
      peak) only adds onsets the fast path missed.  ``onset_env`` jumps to 1 on an
      onset and decays to 0.1 in ``ENV_TIME``.
    - ``kick`` fast path: the 60-250 Hz band rising >= 9 dB against the frames one
      window back, with a broadband click at the same time (bass notes have none),
      near the loudest recent kick-band level, armed only within ``FAST_KICK_ARMED`` s
      of a confirmed kick from the slower path below (which still fires for kicks
      the fast path misses).
    - ``kick``: log-magnitude flux below 150 Hz, confirmed by the band's power
      actually rising to near the recent kicks' level (so quiet low notes in a
      breakdown don't count).  The trigger comes ~20-30 ms after the hit: a
      kick's energy below 150 Hz needs that long to show in a 2048 window.
    - ``snare``: broadband noise rising between 1 and 5 kHz (a snare's rattle or
      a clap; its 150 Hz-1 kHz body overlaps the kick's sweep, so the trigger
      keys on the noise), with some rise above 6 kHz too (so tonal onsets
      don't count) and a long-memory reference peak (the loudest recent snares).
    - ``hat``: flux above 6 kHz.

    Each drum trigger has an adaptive threshold (running mean + deviation and
    a fraction of the recent maximum) and a refractory period; the ``*_env``
    fields are their decaying envelopes.
    """

    ENV_TIME = 0.15  #: seconds for an envelope to fall from 1 to 0.1
    KICK_BAND = (30.0, 150.0)
    SNARE_BAND = (1000.0, 5000.0)
    HAT_BAND = (6000.0, 16000.0)
    #: adaptive-threshold settings (see _PeakTrigger); detection functions: kick = mean log flux,
    #: snare and hat = mean linear magnitude flux per bin
    KICK_TRIGGER = dict(refractory=0.12, k=3.0, rel=0.5, floor=0.2)
    SNARE_TRIGGER = dict(refractory=0.09, k=3.0, rel=0.4, floor=2e-4, max_half_life=15.0)
    HAT_TRIGGER = dict(refractory=0.05, k=1.5, rel=0.2, floor=1e-4)
    SNARE_MIN_AIR = 0.1  #: a snare's flux above 6 kHz is at least this share of its 1-5 kHz flux (per bin)
    KICK_GATE = 0.05  #: a kick needs low-band power above this share of the recent maximum (-13 dB)
    KICK_GATE_HZ = 150.0  #: upper edge of the band whose power the kick gate measures
    KICK_RISE = 2.0  #: ... and at least this many times its power just before (+3 dB)
    KICK_CONFIRM = 0.035  #: seconds a kick candidate may wait for its power to pass the gate
    #: the fast path (fires in the hop of the hit or the next): 512-sample frames every ~128 samples
    #: (a hop in sub-blocks), level rises in dB against the frames one window back (no overlap)
    FAST_N = 512
    FAST_STEP = 128
    FAST_KICK_BAND = (60.0, 250.0)  #: the kick body's first ~10 ms (its pitch sweeps down from ~240 Hz)
    FAST_CLICK_BAND = (3000.0, 16000.0)  #: transients: a kick's click, snares, hats
    FAST_KICK_RISE_DB = 9.0  #: the kick band's rise ...
    FAST_KICK_CLICK_DB = 8.0  #: ... with a broadband click at the same time (a bass note has none) ...
    FAST_KICK_LEVEL_DB = 6.0  #: ... reaching within this of the loudest recent kick-band level
    FAST_KICK_PEAK_DECAY_DB = 2.0  #: dB per second that reference level falls
    FAST_KICK_ARMED = 4.0  #: the fast kick only fires within this many seconds of a confirmed (slow-path) kick
    FAST_ONSET_DB = 6.0  #: an onset: the click band rises at least this much ...
    FAST_ONSET_K = 3.0  #: ... and above median + k * MAD of its rises over the last FAST_ONSET_MEMORY s
    FAST_ONSET_MEMORY = 0.5
    FAST_ONSET_REFRACTORY = 0.03
    SLOW_AFTER_FAST = 0.08  #: the slow (confirmed) kick / aubio onset is dropped this soon after a fast one

    def __init__(self, sample_rate: int, hop: int, method: str = "specflux") -> None:
        import aubio  # imported here: registering the plugin must stay cheap

        self.sample_rate, self.hop = int(sample_rate), int(hop)
        hop_s = hop / sample_rate
        self._method = method
        self._aubio = aubio
        self._aubio_in = np.zeros(hop, dtype=aubio.float_type)
        self._onset = self._new_aubio()
        self._spec = _RollingSpectrum(sample_rate)
        f = self._spec.freqs
        nyq = sample_rate / 2
        self._bands = _band_matrix(f, [self.KICK_BAND, self.SNARE_BAND, (self.HAT_BAND[0], min(self.HAT_BAND[1], nyq))],
                                   mean=True)
        self._gate_band = _band_matrix(f, [(30.0, self.KICK_GATE_HZ)], mean=True)[0]
        self._log = np.zeros(self._spec.n_bins, np.float32)
        self._prev_log = np.zeros_like(self._log)
        self._prev_mag = np.zeros_like(self._log)
        self._diff = np.zeros_like(self._log)
        self._df = np.zeros(3, np.float32)
        self._decay = _per_hop(hop_s, self.ENV_TIME)
        self._kick = _PeakTrigger(hop_s, **self.KICK_TRIGGER)
        self._snare = _PeakTrigger(hop_s, **self.SNARE_TRIGGER)
        self._hat = _PeakTrigger(hop_s, **self.HAT_TRIGGER)
        self._env = [0.0, 0.0, 0.0, 0.0]  # onset, kick, snare, hat
        self._low_max = 0.0
        self._kick_pending = 0
        self._kick_base = self._prev_low_pow = 0.0
        self._confirm_hops = max(1, int(round(self.KICK_CONFIRM / hop_s)))
        self._low_max_decay = 0.5 ** (hop_s / 8.0)
        # fast path
        self._n_sub = n_sub = max(1, int(round(hop / self.FAST_STEP)))
        self._sub = sub = hop / n_sub
        fn = self.FAST_N
        self._fbuf = np.zeros(fn + hop, np.float32)  # the newest fn + hop samples
        self._fstarts = (hop - np.round(sub * np.arange(n_sub - 1, -1, -1))).astype(np.intp)  # frame starts in _fbuf
        self._fwin = (np.hanning(fn + 1)[:-1] / (fn / 4)).astype(np.float32)
        self._fframes = np.zeros((n_sub, fn), np.float32)
        ff = np.fft.rfftfreq(fn, 1.0 / sample_rate)
        self._fsel_kick = (ff >= self.FAST_KICK_BAND[0]) & (ff < self.FAST_KICK_BAND[1])
        if not self._fsel_kick.any():
            self._fsel_kick[1] = True
        self._fsel_click = (ff >= self.FAST_CLICK_BAND[0]) & (ff < min(self.FAST_CLICK_BAND[1], nyq))
        self._lag_far = max(2, int(round(fn / sub)))  # frames one window back ...
        self._lag_near = max(1, int(round(0.5 * fn / sub)))  # ... to half a window back
        self._fhist = np.zeros((2, self._lag_far + n_sub), np.float64)  # kick, click band dB per frame
        self._fmem = max(8, int(round(self.FAST_ONSET_MEMORY / (sub / sample_rate))))
        self._frise = np.zeros(self._fmem, np.float64)  # recent click-band rises (ring)
        self._sub_s = sub / sample_rate
        self._peak_decay_db = self.FAST_KICK_PEAK_DECAY_DB * self._sub_s
        self._fast_reset()

    def _new_aubio(self):  # -> aubio.onset
        o = self._aubio.onset(self._method, N_FFT, self.hop, self.sample_rate)
        o.set_minioi_s(0.05)
        return o

    def reset(self) -> None:
        self._onset = self._new_aubio()
        self._spec.reset()
        self._prev_log[:] = 0.0
        self._prev_mag[:] = 0.0
        for t in (self._kick, self._snare, self._hat):
            t.reset()
        self._env = [0.0, 0.0, 0.0, 0.0]
        self._low_max = 0.0
        self._kick_pending = 0
        self._kick_base = self._prev_low_pow = 0.0
        self._fast_reset()

    def _fast_reset(self) -> None:
        self._fbuf[:] = 0.0
        self._fhist[:] = -100.0
        self._frise[:] = 0.0
        self._frise_i = 0
        self._fkick_peak = -100.0
        self._fprev_rise = 0.0
        self._since_fkick = self._since_fonset = 1e9  # seconds
        self._since_kick = 1e9
        self._since_slow_kick = 1e9

    def _fast(self, block: np.ndarray) -> tuple[bool, bool]:
        """The fast path: (onset, kick) seen in this hop's sub-blocks."""
        n, fn = len(block), self.FAST_N
        buf = self._fbuf
        if n >= len(buf):
            buf[:] = block[-len(buf):]
        elif n:
            buf[:-n] = buf[n:]
            buf[-n:] = block
        fr = self._fframes
        for i, st in enumerate(self._fstarts):
            np.multiply(buf[st : st + fn], self._fwin, out=fr[i])
        mag = np.abs(np.fft.rfft(fr, axis=1))
        pw = mag * mag
        h = self._fhist
        ns = self._n_sub
        h[:, :-ns] = h[:, ns:]
        h[0, -ns:] = 10.0 * np.log10(pw[:, self._fsel_kick].sum(axis=1) + 1e-10)
        h[1, -ns:] = 10.0 * np.log10(pw[:, self._fsel_click].sum(axis=1) + 1e-10)
        past = self._frise
        med = float(np.median(past))
        thr_on = max(self.FAST_ONSET_DB, med + self.FAST_ONSET_K * float(np.median(np.abs(past - med))))
        onset = kick = False
        far, near = self._lag_far, self._lag_near
        for i in range(ns):
            j = h.shape[1] - ns + i
            ref = h[:, j - far : j - near + 1].min(axis=1)
            low_rise, click_rise = h[0, j] - ref[0], h[1, j] - ref[1]
            self._fkick_peak = max(h[0, j], self._fkick_peak - self._peak_decay_db)
            self._since_fonset += self._sub_s
            self._since_kick += self._sub_s
            if (click_rise > thr_on and self._fprev_rise <= thr_on
                    and self._since_fonset >= self.FAST_ONSET_REFRACTORY):
                onset = True
                self._since_fonset = 0.0
            self._fprev_rise = click_rise
            past[self._frise_i] = click_rise
            self._frise_i = (self._frise_i + 1) % len(past)
            if (low_rise > self.FAST_KICK_RISE_DB and click_rise > self.FAST_KICK_CLICK_DB
                    and h[0, j] > self._fkick_peak - self.FAST_KICK_LEVEL_DB
                    and self._since_kick >= self.KICK_TRIGGER["refractory"]
                    and self._since_slow_kick < self.FAST_KICK_ARMED):
                kick = True
                self._since_kick = 0.0
                self._since_fkick = 0.0
            else:
                self._since_fkick += self._sub_s
        return onset, kick

    def _kick_hit(self, df: float, low_pow: float) -> bool:
        """The log flux is level-blind, so a candidate only counts once the low band's power
        (within ``KICK_CONFIRM`` s: the window needs a hop or two to see a transient's full
        energy) reaches ``KICK_GATE`` of the recent kicks' and ``KICK_RISE`` times what it
        was just before the candidate."""
        self._low_max = max(low_pow, self._low_max * self._low_max_decay)
        if self._kick.update(df) and self._kick_pending == 0:
            self._kick_pending = self._confirm_hops + 1  # this hop and the confirmation window
            self._kick_base = self._prev_low_pow
        self._prev_low_pow = low_pow
        if self._kick_pending > 0:
            self._kick_pending -= 1
            if low_pow >= self.KICK_GATE * self._low_max and low_pow >= self.KICK_RISE * self._kick_base:
                self._kick_pending = 0
                return True
        return False

    def process(self, block: np.ndarray, features: Features) -> None:
        # aubio wants exactly `hop` samples of its own float type
        n = min(len(block), self.hop)
        self._aubio_in[: self.hop - n] = 0.0
        self._aubio_in[self.hop - n :] = block[-n:] if n else 0.0
        slow_onset = bool(self._onset(self._aubio_in)[0])
        fast_onset, fast_kick = self._fast(block)
        # aubio's onsets (it waits for its peak) only count where the fast path saw nothing
        onset = fast_onset or fast_kick or (slow_onset and self._since_fonset >= self.SLOW_AFTER_FAST)
        if onset and not fast_onset:
            self._since_fonset = 0.0

        spec = self._spec
        spec.push(block)
        mag = spec.compute()
        # kick: log flux (level independent) ; snare + hat: linear magnitude flux (loud noise bursts)
        np.multiply(mag, _LOG_GAIN, out=self._log)
        np.log1p(self._log, out=self._log)
        np.subtract(self._log, self._prev_log, out=self._diff)
        np.maximum(self._diff, 0.0, out=self._diff)
        kick_df = float(np.dot(self._bands[0], self._diff))
        np.multiply(mag, mag, out=self._diff)
        low_pow = float(np.dot(self._gate_band, self._diff))
        np.subtract(mag, self._prev_mag, out=self._diff)
        np.maximum(self._diff, 0.0, out=self._diff)
        np.dot(self._bands, self._diff, out=self._df)
        self._log, self._prev_log = self._prev_log, self._log
        self._prev_mag[:] = mag

        snare_df, hat_df = float(self._df[1]), float(self._df[2])
        if hat_df < self.SNARE_MIN_AIR * snare_df:
            snare_df = 0.0  # a tonal onset (a pluck, a chord): a snare's noise reaches above 6 kHz too
        slow_kick = self._kick_hit(kick_df, low_pow)
        self._since_slow_kick = 0.0 if slow_kick else self._since_slow_kick + self.hop / self.sample_rate
        # the confirmed (slower) kick only where the fast path didn't just fire
        kick = fast_kick or (slow_kick and self._since_fkick >= self.SLOW_AFTER_FAST
                             and self._since_kick >= self.KICK_TRIGGER["refractory"])
        if kick and not fast_kick:
            self._since_kick = 0.0
        hits = (onset, kick, self._snare.update(snare_df), self._hat.update(hat_df))
        env = self._env
        for i, hit in enumerate(hits):
            env[i] = 1.0 if hit else env[i] * self._decay
        features.onset, features.kick, features.snare, features.hat = hits
        features.onset_env, features.kick_env, features.snare_env, features.hat_env = env


# =========================================================================== BeatTracker


class BeatTracker:
    """Tempo, beats, beat and bar phase.

    1. An onset-strength signal (OSS) per hop: positive log-spectral flux,
       low band (<200 Hz, where the kick lives) weighted up.
    2. Every ``TEMPO_EVERY`` seconds, the autocorrelation of the last
       ``HISTORY`` seconds of OSS is scored with a comb (lags T, 2T, 3T, 4T,
       interpolated, so the estimate is finer than one hop) for every tempo in
       80-180 BPM, times a prior that prefers 90-160 BPM against octave errors;
       where both a slow tempo S and 2S are in range, the backbeat decides
       (``_octave``: snares every slow beat -> 2S, e.g. drum & bass at 174).
       A different tempo has to win several times in a row before it replaces
       the current one.  A tempo *change* (1-12 %) is caught sooner: when the
       last ``CHANGE_HISTORY`` s (at least ``CHANGE_BEATS`` beats) alone say the
       same new tempo twice in a row, it is taken, the phase re-snapped, and
       only the history since the change is used from then on.
    3. Every ``PHASE_EVERY`` seconds the OSS history is correlated with a pulse
       train at the current period to find where the recent beats were.  A
       phase-locked loop free-runs at the current period and is pulled towards
       that observation a little each hop, so ``beat_phase`` advances smoothly
       (0 at the beat) and keeps going through breaks.  ``beat`` is true in the
       hop in which the phase wraps.
    4. The downbeat (4/4) is the beat slot whose low-band energy has been the
       strongest over recent bars, together with how much each beat's low-mid
       spectrum changes from the beat before (chords and bass notes change on
       the one).  Settles within a few bars of a kick-and-bass groove.

    Until a tempo is locked (about 2.5-3 s of clear pulse) ``bpm`` stays at 120,
    no beats are emitted and ``beat_confidence`` is 0.
    """

    MIN_BPM, MAX_BPM = 80.0, 180.0
    PREFER_BPM = (90.0, 160.0)
    HISTORY = 6.0  #: seconds of OSS used for tempo and phase
    MIN_HISTORY = 2.5  #: seconds of OSS before the first estimate
    CHANGE_HISTORY = 2.0  #: seconds (at least; and at least CHANGE_BEATS beats) the tempo-change detector looks at
    CHANGE_BEATS = 4.0
    CHANGE_RANGE = (0.012, 0.12)  #: relative tempo changes it follows (larger ones are octave errors)
    CHANGE_VOTES = 2  #: estimates in a row that must agree on the new tempo
    CHANGE_CONFIDENCE = 0.3  #: comb score each of them needs
    TEMPO_EVERY = 0.5  #: seconds between tempo estimates
    MIN_CONFIDENCE = 0.15  #: comb score (normalised autocorrelation) a tempo needs to be taken
    SURE_CONFIDENCE = 0.3  #: ... to be locked onto from the first estimate
    SMALL_ERR = 0.12  #: phase errors (in beats) the loop follows at once
    JUMP_AFTER = 2.0  #: beats a larger phase error must persist before the loop follows it
    PHASE_EVERY = 0.05  #: seconds between phase observations
    LOW_HZ = 200.0  #: the OSS's low band (kick) ...
    FULL_WEIGHT = 0.5  #: ... plus this much of the whole spectrum's flux
    BACKBEAT_BAND = (1000.0, 5000.0)  #: where the octave decision looks for the snare / clap
    #: octave decision between a slow tempo S and 2S (both in range): the backbeat (snares, claps)
    #: falls on every other beat, so when the snare band's periodicity at S's beat period is at least
    #: this share of that at two of S's beats, the snares come every slow beat and the tempo is 2S
    #: (drum & bass at 174, not 87); hysteresis: a tempo already at 2S keeps it down to the lower value
    BACKBEAT_FAST = (0.6, 0.45)
    BACKBEAT_MIN = 0.2  #: the snare band's periodicity at two slow beats needs this much to count at all

    def __init__(self, sample_rate: int, hop: int) -> None:
        self.sample_rate, self.hop = int(sample_rate), int(hop)
        self._hop_s = hop_s = hop / sample_rate
        self._spec = _RollingSpectrum(sample_rate)
        f = self._spec.freqs
        low_sel = (f >= 30.0) & (f < self.LOW_HZ)
        full_sel = (f >= 30.0) & (f <= 16000.0)
        # mean log flux of the low band + FULL_WEIGHT * mean log flux of the whole spectrum
        self._w_oss = (low_sel / low_sel.sum() + self.FULL_WEIGHT * full_sel / full_sel.sum()).astype(np.float32)
        self._w_low = ((f >= 30.0) & (f < BASS_HZ)).astype(np.float32)
        bb = (f >= self.BACKBEAT_BAND[0]) & (f < self.BACKBEAT_BAND[1])
        self._w_bb = (bb / bb.sum()).astype(np.float32)
        self._log = np.zeros(self._spec.n_bins, np.float32)
        self._prev_log = np.zeros_like(self._log)
        self._diff = np.zeros_like(self._log)
        self._power = np.zeros_like(self._log)
        self._prof_sel = slice(int(np.searchsorted(f, 40.0)), int(np.searchsorted(f, 2000.0)))
        n_prof = self._prof_sel.stop - self._prof_sel.start
        self._prof_acc = np.zeros(n_prof, np.float32)
        self._prof_prev = np.zeros(n_prof, np.float32)

        # OSS history: doubled ring, newest value at index _pos-1 (+ m)
        self._m = m = int(round(self.HISTORY / hop_s))
        self._hist = np.zeros(2 * m, np.float32)
        self._bb_hist = np.zeros(2 * m, np.float32)  # the same for the backbeat band's flux alone
        # autocorrelation by FFT of the zero-padded history
        nfft = 1 << (2 * m - 1).bit_length()
        self._ac_in = pyfftw.empty_aligned(nfft, dtype="float32")
        self._ac_spec = pyfftw.empty_aligned(nfft // 2 + 1, dtype="complex64")
        self._ac_out = pyfftw.empty_aligned(nfft, dtype="float32")
        self._fwd = pyfftw.FFTW(self._ac_in, self._ac_spec, flags=("FFTW_ESTIMATE",))
        self._inv = pyfftw.FFTW(self._ac_spec, self._ac_out, direction="FFTW_BACKWARD", flags=("FFTW_ESTIMATE",))
        # tempo candidates and their comb lags (in hops)
        self._bpms = np.arange(self.MIN_BPM, self.MAX_BPM + 1e-9, 0.1)
        periods = 60.0 / self._bpms / hop_s
        self._comb_k = np.arange(1, 5, dtype=np.float64)
        lags = periods[:, None] * self._comb_k[None, :]
        self._lag_i = np.floor(lags).astype(np.intp)
        self._lag_f = (lags - self._lag_i).astype(np.float32)
        self._comb_w = (1.0 / np.sqrt(self._comb_k)).astype(np.float32)
        lo, hi = self.PREFER_BPM
        octs = np.where(self._bpms < lo, np.log2(lo / self._bpms),
                        np.where(self._bpms > hi, np.log2(self._bpms / hi), 0.0))
        self._prior = np.exp(-0.5 * (octs / 0.3) ** 2).astype(np.float32)
        # phase comb: beats at k periods back (k = 1..), older beats weigh less
        self._n_back = 12
        self._oss_lag = 0.5  # a beat's OSS peak is in the hop containing it: half a hop after it on average
        self._tempo_every = max(1, int(round(self.TEMPO_EVERY / hop_s)))
        self._short = int(round(self.CHANGE_HISTORY / hop_s))
        self._phase_every = max(1, int(round(self.PHASE_EVERY / hop_s)))
        self._beat_decay_t10 = 0.5  # beats
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        self._spec.reset()
        self._prev_log[:] = 0.0
        self._hist[:] = 0.0
        self._bb_hist[:] = 0.0
        self._pos = 0
        self._n = 0  # hops seen
        self._bpm = 120.0
        self._period = 60.0 / 120.0 / self._hop_s  # hops per beat
        self._locked = False
        self._cand_bpm = 0.0
        self._cand_votes = 0
        self._since_change = 1 << 30  # hops since a followed tempo change
        self._chg_bpm = 0.0
        self._chg_votes = 0
        self._tempo_conf = 0.0
        self._phase_conf = 0.0
        self._phase = 0.0
        self._phase_err = 0.0
        self._big_err = 0.0
        self._big_err_beats = 0.0
        self._beats = 0
        self._beat_env = 0.0
        self._slot_energy = np.full(4, 0.25)
        self._bar_energy = np.zeros(4)
        self._bar_novelty = np.zeros(4)
        self._bar_total = 0.0
        self._prof_acc[:] = 0.0
        self._prof_prev[:] = 0.0
        self._slot_acc = 0.0
        self._slot_hops = 0
        self._down_slot = 0

    # ------------------------------------------------------------------ per hop
    def process(self, block: np.ndarray, features: Features) -> None:
        oss, low, bb = self._onset_strength(block)
        m = self._m
        self._hist[self._pos] = oss
        self._hist[self._pos + m] = oss
        self._bb_hist[self._pos] = bb
        self._bb_hist[self._pos + m] = bb
        self._pos = (self._pos + 1) % m
        self._n += 1
        have = min(self._n, m)
        self._since_change += 1

        if have * self._hop_s >= self.MIN_HISTORY:
            # after a tempo change only the history since the change counts
            have = min(have, max(self._since_change, self._short))
            if self._n % self._tempo_every == 0:
                self._update_tempo(have)
            if self._locked and self._n % self._phase_every == 0:
                self._observe_phase(have)

        # phase-locked loop: advance one hop, pulled gently towards the observation (at most
        # +-50 % of the tempo, so the phase never stalls or runs backwards)
        step = 1.0 / self._period
        pull = max(-0.5 * step, min(0.5 * step, 0.08 * self._phase_err))
        self._phase_err -= pull
        self._phase += step + pull
        beat = False
        if self._phase >= 1.0:
            self._phase -= math.floor(self._phase)
            beat = self._locked
            if beat:
                self._end_beat_slot()
                self._beats += 1
        self._slot_acc += low
        self._slot_hops += 1
        np.add(self._prof_acc, self._prev_log[self._prof_sel], out=self._prof_acc)  # (_prev_log: this hop's)

        self._beat_env = 1.0 if beat else self._beat_env * 0.1 ** (step / self._beat_decay_t10)
        slot = (self._beats - 1 - self._down_slot) % 4  # position in the bar of the current beat
        features.bpm = float(self._bpm)
        features.beat = beat
        features.beat_env = self._beat_env
        features.beat_phase = float(self._phase)
        features.bar_phase = float((slot + self._phase) / 4.0)
        features.downbeat = beat and slot == 0
        features.beat_count = self._beats
        features.beat_confidence = float(self._tempo_conf * self._phase_conf) if self._locked else 0.0

    def _onset_strength(self, block: np.ndarray) -> tuple[float, float, float]:
        spec = self._spec
        spec.push(block)
        mag = spec.compute()
        np.multiply(mag, mag, out=self._power)
        low = float(np.dot(self._power, self._w_low))
        np.multiply(mag, _LOG_GAIN, out=self._log)
        np.log1p(self._log, out=self._log)
        np.subtract(self._log, self._prev_log, out=self._diff)
        np.maximum(self._diff, 0.0, out=self._diff)
        self._log, self._prev_log = self._prev_log, self._log
        return float(np.dot(self._diff, self._w_oss)), low, float(np.dot(self._diff, self._w_bb))

    def _history(self, have: int) -> np.ndarray:
        """The last ``have`` OSS values, oldest first (a view)."""
        end = self._pos + self._m
        return self._hist[end - have : end]

    # ------------------------------------------------------------------ tempo
    def _update_tempo(self, have: int) -> None:
        self._update_tempo_long(have)
        window = min(self._m, max(self._short, int(self.CHANGE_BEATS * self._period)))
        if self._locked and have > window:
            self._follow_change(window)

    def _follow_change(self, window: int) -> None:
        """A tempo change: the last CHANGE_HISTORY seconds alone clearly say another tempo (a few
        per cent off) CHANGE_VOTES times in a row.  Follow it at once and forget the older history."""
        est = self._estimate(window)
        if est is None:
            self._chg_votes = 0
            return
        bpm, conf = est
        rel = abs(bpm / self._bpm - 1.0)
        lo, hi = self.CHANGE_RANGE
        if conf < self.CHANGE_CONFIDENCE or not lo <= rel <= hi:
            self._chg_votes = 0
            return
        if self._chg_votes and abs(bpm / self._chg_bpm - 1.0) < 0.01:
            self._chg_votes += 1
            self._chg_bpm = 0.5 * (self._chg_bpm + bpm)
        else:
            self._chg_bpm, self._chg_votes = bpm, 1
        if self._chg_votes >= self.CHANGE_VOTES:
            self._set_tempo(self._chg_bpm)
            self._chg_votes = self._cand_votes = 0
            self._since_change = 0
            self._observe_phase(window, snap=True)

    def _estimate(self, have: int) -> tuple[float, float] | None:
        """(bpm, comb score) of the last ``have`` OSS values; None for silence."""
        x = self._history(have)
        a = self._ac_in
        a[:] = 0.0
        mean = float(x.mean())
        np.subtract(x, mean, out=a[:have])
        self._fwd.execute()
        np.multiply(self._ac_spec, np.conj(self._ac_spec), out=self._ac_spec)
        self._inv.execute()
        ac = self._ac_out
        if ac[0] <= 1e-12:
            return None
        # unbiased, normalised autocorrelation over the lags the comb uses
        max_lag = int(self._lag_i.max()) + 2
        r = ac[:max_lag] / (ac[0] * np.maximum(have - np.arange(max_lag), 1) / have)
        usable = self._lag_i + 1 < 0.8 * have  # lags with enough overlap
        vals = (r[self._lag_i] * (1.0 - self._lag_f) + r[np.minimum(self._lag_i + 1, max_lag - 1)] * self._lag_f)
        vals = np.where(usable, vals, 0.0)
        wsum = (self._comb_w * usable).sum(axis=1)
        score = (vals * self._comb_w).sum(axis=1) / np.maximum(wsum, 1e-9) * self._prior
        best = int(np.argmax(score))
        # refine between grid points (parabola through the neighbours)
        bpm = float(self._bpms[best])
        if 0 < best < len(score) - 1:
            y0, y1, y2 = score[best - 1], score[best], score[best + 1]
            den = y0 - 2 * y1 + y2
            if den < 0:
                bpm += 0.1 * float(np.clip(0.5 * (y0 - y2) / den, -0.5, 0.5))
        return self._octave(bpm, have), float(np.clip(score[best], 0.0, 1.0))

    def _octave(self, bpm: float, have: int) -> float:
        """Pick between ``bpm`` and its double / half (when both lie in range) the way a DJ does: the
        backbeat (snare, clap) comes every other beat.  Compares the backbeat band's autocorrelation at
        the slow tempo's beat period with that at two of its beats."""
        slow = bpm if bpm * 2.0 <= self.MAX_BPM else bpm / 2.0
        if slow < self.MIN_BPM or slow * 2.0 > self.MAX_BPM:
            return bpm  # no octave choice in range
        T = 60.0 / slow / self._hop_s
        if 2.0 * T + 2 >= 0.8 * have:
            return bpm  # not enough history to see two slow beats' periodicity
        end = self._pos + self._m
        x = self._bb_hist[end - have : end].astype(np.float64)
        x -= x.mean()
        e = float(np.dot(x, x)) / have
        if e <= 1e-12:
            return bpm

        def r(lag: float) -> float:
            i = int(lag)
            fr = lag - i
            a = float(np.dot(x[: have - i], x[i:])) / (have - i)
            b = float(np.dot(x[: have - i - 1], x[i + 1 :])) / (have - i - 1)
            return ((1.0 - fr) * a + fr * b) / e

        r2 = r(2.0 * T)
        if r2 < self.BACKBEAT_MIN:
            return bpm  # no periodic backbeat: keep the comb's choice
        fast_now = self._locked and abs(self._bpm / (2.0 * slow) - 1.0) < 0.04
        thr = self.BACKBEAT_FAST[1] if fast_now else self.BACKBEAT_FAST[0]
        return 2.0 * slow if r(T) >= thr * r2 else slow

    def _update_tempo_long(self, have: int) -> None:
        est = self._estimate(have)
        if est is None:
            self._tempo_conf *= 0.9
            return
        bpm, conf = est
        self._tempo_conf += 0.3 * (conf - self._tempo_conf)
        if conf < self.MIN_CONFIDENCE:
            return  # no clear periodicity (noise, rubato, silence): keep what we have
        if not self._locked:
            # lock at once on a clear pulse, else when two estimates in a row agree
            agree = self._cand_votes > 0 and abs(bpm / self._cand_bpm - 1.0) < 0.02
            if conf >= self.SURE_CONFIDENCE or agree:
                self._set_tempo(bpm)
                self._locked = True
                self._cand_votes = 0
                self._observe_phase(have, snap=True)
            else:
                self._cand_bpm, self._cand_votes = bpm, 1
        elif abs(bpm / self._bpm - 1.0) < 0.04:
            self._set_tempo(self._bpm + 0.3 * (bpm - self._bpm))
            self._cand_votes = 0
        elif self._cand_votes and abs(bpm / self._cand_bpm - 1.0) < 0.02:
            self._cand_votes += 1
            if self._cand_votes >= 4:
                self._set_tempo(bpm)
                self._cand_votes = 0
        else:
            self._cand_bpm, self._cand_votes = bpm, 1

    def _set_tempo(self, bpm: float) -> None:
        self._bpm = bpm
        self._period = 60.0 / bpm / self._hop_s

    # ------------------------------------------------------------------ phase
    def _observe_phase(self, have: int, snap: bool = False) -> None:
        """Where were the recent beats?  Sets the PLL's phase error (or the phase itself when ``snap``)."""
        x = self._history(have)
        T = self._period
        n_back = min(self._n_back, int((have - self._oss_lag - 2) // T))
        if n_back < 2:
            return
        # candidate offsets d (hops since the last beat), half-hop steps
        d = np.arange(0.0, T, 0.5)
        k = np.arange(1, n_back + 1)
        pos = (have - 1) - d[:, None] - k[None, :] * T + self._oss_lag  # where each beat's OSS peak sits
        i0 = np.floor(pos).astype(np.intp)
        fr = pos - i0
        v = x[np.clip(i0, 0, have - 1)] * (1 - fr) + x[np.clip(i0 + 1, 0, have - 1)] * fr
        score = (v * (0.85 ** (k - 1))[None, :]).sum(axis=1)
        # smooth over +-1 hop so one OSS sample doesn't decide
        best = int(np.argmax(score))
        top, mean = float(score[best]), float(score.mean())
        peakiness = (top - mean) / top if top > 0 else 0.0
        self._phase_conf += 0.2 * (peakiness - self._phase_conf)
        observed = d[best] / T  # phase now, if the last beat was d hops ago
        err = (observed - self._phase + 0.5) % 1.0 - 0.5
        if snap:
            self._phase = observed % 1.0
            self._phase_err = 0.0
        elif abs(err) <= self.SMALL_ERR:
            self._phase_err = err
            self._big_err_beats = 0.0
        else:
            # a large jump must persist (same error for JUMP_AFTER beats) before the loop follows it
            if self._big_err_beats > 0.0 and abs((err - self._big_err + 0.5) % 1.0 - 0.5) > self.SMALL_ERR:
                self._big_err_beats = 0.0
            self._big_err = err
            self._big_err_beats += self._phase_every / T
            self._phase_err = err if self._big_err_beats >= self.JUMP_AFTER else 0.0

    # ------------------------------------------------------------------ downbeat
    def _end_beat_slot(self) -> None:
        """Called at each beat: score the beat that just ended as a downbeat candidate.

        Two cues per beat: its low-band energy, and how much its low-mid
        spectrum differs from the beat before (chords and bass notes change on
        the downbeat).  Once per bar the four beats' cues, as shares of the
        bar's total (so loud and quiet bars count alike), update a running
        average per slot; the slot with the clearly largest score becomes the
        downbeat.  Bars without bass (breakdowns) don't vote.
        """
        slot = (self._beats - 1) % 4
        if self._beats > 0 and self._slot_hops > 0:  # (the stretch before the first beat is no beat)
            np.multiply(self._prof_acc, 1.0 / self._slot_hops, out=self._prof_acc)
            self._bar_novelty[slot] = float(np.abs(self._prof_acc - self._prof_prev).mean())
            self._prof_prev[:] = self._prof_acc
            self._bar_energy[slot] = self._slot_acc / self._slot_hops
            if slot == 3:
                total = float(self._bar_energy.sum())
                nov = float(self._bar_novelty.sum())
                voting = total > 1e-9 and nov > 1e-9 and total > 0.3 * self._bar_total
                if total > 0.3 * self._bar_total:
                    self._bar_total += 0.3 * (total - self._bar_total)
                if voting:
                    share = 0.5 * (self._bar_energy / total + self._bar_novelty / nov)
                    self._slot_energy += 0.3 * (share - self._slot_energy)
                    best = int(np.argmax(self._slot_energy))
                    if best != self._down_slot and self._slot_energy[best] > 1.1 * self._slot_energy[self._down_slot]:
                        self._down_slot = best
        self._slot_acc, self._slot_hops = 0.0, 0
        self._prof_acc[:] = 0.0


# =========================================================================== EnergyAnalyzer


class EnergyAnalyzer:
    """``energy`` (slow loudness trend, 0..1) and ``section`` ("", "build", "drop", "breakdown").

    Works on its own absolute band levels (dB), not the gain-normalised ones:

    - *bass present* = low band (<150 Hz, kick + bass) within ``BASS_GONE_DB``
      of the loudest bass level heard recently;
    - **breakdown**: the bass has been gone for ``BREAKDOWN_AFTER`` seconds
      (after at least ``BASS_ESTABLISHED`` s of bass earlier in the track);
    - **build**: the high band (>4 kHz) has kept rising (over both the last
      ``RISE_LONG`` s and the last ``RISE_SHORT`` s, by ``RISE_DB_PER_S``) for
      ``BUILD_AFTER`` seconds; a build that stops rising without a drop
      lapses back after ``BUILD_TIMEOUT`` s;
    - **drop**: the bass comes back after a build, a breakdown or a gap of at
      least ``DROP_GAP`` seconds, and within ``RETURN_WINDOW`` s both the bass
      and the whole mix get within ``DROP_BASS_DB`` / ``DROP_LOUD_DB`` of the
      loudest they have been recently (a kick alone coming back is not a
      drop); it stays "drop" until the next build or breakdown.

    Silence is section "".  All decisions are causal, so a section is flagged
    a little after it starts: drops within ~0.1-0.3 s, builds after
    ``BUILD_AFTER`` s of rise, breakdowns after ``BREAKDOWN_AFTER`` s.
    """

    BASS_GONE_DB = 10.0
    BASS_ESTABLISHED = 4.0
    BREAKDOWN_AFTER = 4.0
    BUILD_AFTER = 1.2
    BUILD_TIMEOUT = 8.0
    RISE_LONG, RISE_SHORT = 3.0, 1.0
    RISE_DB_PER_S = 1.0
    DROP_GAP = 1.5
    DROP_BASS_DB = 2.5
    DROP_LOUD_DB = 2.0
    RETURN_WINDOW = 1.0
    ENERGY_RANGE_DB = 18.0

    def __init__(self, sample_rate: int, hop: int) -> None:
        self.sample_rate, self.hop = int(sample_rate), int(hop)
        self._hop_s = hop_s = hop / sample_rate
        self._spec = _RollingSpectrum(sample_rate)
        f = self._spec.freqs
        self._bands = _band_matrix(f, [(30.0, BASS_HZ), (HIGH_HZ, min(16000.0, sample_rate / 2)), (30.0, 16000.0)])
        self._power = np.zeros(self._spec.n_bins, np.float32)
        self._bp = np.zeros(3, np.float32)
        self._a_low = _ema(hop_s, 0.35)
        self._a_high = _ema(hop_s, 0.4)
        self._a_loud = _ema(hop_s, 1.5)
        self._ref_decay_db = 0.1 * hop_s  # dB per hop the reference levels fall
        # high-band history for the rise slope: one value every _hist_every hops
        self._hist_every = max(1, int(round(0.1 / hop_s)))
        self._hist_len = int(round(self.RISE_LONG / (self._hist_every * hop_s)))
        self._short_len = max(3, int(round(self.RISE_SHORT / (self._hist_every * hop_s))))
        self.reset()

    def reset(self) -> None:
        self._spec.reset()
        self._low = self._high = self._loud = self._loud_fast = 0.0
        self._low_ref = self._loud_ref = -120.0
        self._bass_time = 0.0  # seconds the bass has been present in total
        self._gone = 0.0  # seconds since the bass was last present
        self._rising = 0.0  # seconds the highs have kept rising
        self._hist = np.full(self._hist_len, np.nan)
        self._n = 0
        self._section = ""
        self._energy = 0.0
        self._returning = 0.0
        self._build_hold = 0.0
        self._before_build = ""
        self._since_rise = 0.0

    @staticmethod
    def _db(p: float) -> float:
        return 10.0 * math.log10(p + 1e-12)

    @staticmethod
    def _slope(y: np.ndarray, dt: float) -> float:
        t = np.arange(len(y)) * dt
        t -= t.mean()
        return float(np.dot(t, y - y.mean()) / np.dot(t, t))

    def process(self, block: np.ndarray, features: Features) -> None:
        spec = self._spec
        spec.push(block)
        mag = spec.compute()
        np.multiply(mag, mag, out=self._power)
        np.dot(self._bands, self._power, out=self._bp)
        p_low, p_high, p_all = (float(v) for v in self._bp)
        self._low += self._a_low * (p_low - self._low)
        self._high += self._a_high * (p_high - self._high)
        self._loud += self._a_loud * (p_all - self._loud)
        self._loud_fast += self._a_low * (p_all - self._loud_fast)
        low_db, high_db, loud_db = self._db(self._low), self._db(self._high), self._db(self._loud)
        hop_s = self._hop_s

        # energy: the loudness trend against the loudest recent level
        self._loud_ref = max(loud_db, self._loud_ref - self._ref_decay_db)
        if loud_db < -70.0:
            self._energy = 0.0
        else:
            self._energy = min(1.0, max(0.0, 1.0 - (self._loud_ref - loud_db) / self.ENERGY_RANGE_DB))
        features.energy = self._energy

        # bass presence against the loudest recent bass level
        self._low_ref = max(low_db, self._low_ref - self._ref_decay_db)
        present = low_db > -60.0 and low_db > self._low_ref - self.BASS_GONE_DB
        gap = self._gone
        if present:
            self._gone = 0.0
            self._bass_time += hop_s
        else:
            self._gone += hop_s

        # is the high band rising?
        self._n += 1
        if self._n % self._hist_every == 0:
            self._hist[:-1] = self._hist[1:]
            self._hist[-1] = high_db
            h = self._hist
            if not np.isnan(h[0]) and high_db > -70.0:
                dt = self._hist_every * hop_s
                long_s = self._slope(h, dt)
                short_s = self._slope(h[-self._short_len :], dt)
                rising = long_s > self.RISE_DB_PER_S and short_s > self.RISE_DB_PER_S
                self._rising = self._rising + dt if rising else 0.0

        sec = self._section
        if present:
            if gap > 0.0:  # the bass just came back: is it a drop?  (decided within RETURN_WINDOW)
                came_back = gap >= self.DROP_GAP or sec in ("build", "breakdown")
                established = self._bass_time - hop_s > self.BASS_ESTABLISHED
                self._returning = self.RETURN_WINDOW if came_back and established else 0.0
            if self._returning > 0.0:
                self._returning -= hop_s
                if (low_db > self._low_ref - self.DROP_BASS_DB
                        and self._db(self._loud_fast) > self._loud_ref - self.DROP_LOUD_DB):
                    sec = "drop"  # back near full bass and near the loudest level heard
                    self._returning = 0.0
                elif self._returning <= 0.0 and sec == "breakdown":
                    sec = ""
            elif sec == "breakdown":
                sec = ""
        else:
            if loud_db < -60.0:
                sec = ""  # silence is no section
            elif self._gone >= self.BREAKDOWN_AFTER and sec != "build" and self._bass_time > self.BASS_ESTABLISHED:
                sec = "breakdown"  # (only once there has been bass to break down from)
        self._build_hold = max(0.0, self._build_hold - hop_s)
        if sec == "drop" and self._section != "drop":
            self._build_hold = self.RISE_LONG  # the drop's own jump in the highs is not a build
            self._rising = 0.0
        elif self._rising >= self.BUILD_AFTER and sec != "build" and self._build_hold <= 0.0:
            self._before_build = sec
            sec = "build"
        if sec == "build":
            self._since_rise = 0.0 if self._rising > 0.0 else self._since_rise + hop_s
            if self._since_rise > self.BUILD_TIMEOUT:  # a rise that never dropped
                sec = self._before_build
                self._since_rise = 0.0
        self._section = sec
        features.section = sec
