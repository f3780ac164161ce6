package main

// Results is the raw output.
type Results struct {
	Meta    Meta            `json:"meta"`
	Targets []*TargetResult `json:"targets"`
}

// Meta describes the machine and the run.
type Meta struct {
	Started      string   `json:"started"`
	Finished     string   `json:"finished"`
	Host         string   `json:"host"`
	CPU          string   `json:"cpu"`
	NumCPU       int      `json:"num_cpu"`
	MemTotal     string   `json:"mem_total"`
	Kernel       string   `json:"kernel"`
	GoVersion    string   `json:"go_version"`
	Hotreload    string   `json:"hotreload"`
	Commit       string   `json:"commit"`           // the tree the hotreload binary was built from
	HotreloadSHA string   `json:"hotreload_sha256"` // its first 16 hex digits
	LoadStart    string   `json:"loadavg_start"`
	LoadEnd      string   `json:"loadavg_end"`
	Flags        []string `json:"flags"`
	CCVersion    string   `json:"cc"`
	LDVersion    string   `json:"ld"`
	PollInterval float64  `json:"poll_interval_ms"`
}

// TargetResult is everything measured on one target.
type TargetResult struct {
	Target      *target        `json:"target"`
	Hot         *HotResult     `json:"hot,omitempty"`
	Restart     *RestartResult `json:"restart,omitempty"`
	HotRestart  *RestartResult `json:"hot_restart,omitempty"`
	Breakdown   *Breakdown     `json:"breakdown,omitempty"`
	Errors      []string       `json:"errors,omitempty"`
	PlainBinary int64          `json:"plain_binary_bytes,omitempty"`
	HotBinary   int64          `json:"hot_binary_bytes,omitempty"`
}

// HotResult is a hot session.
type HotResult struct {
	BuiltMS       float64   `json:"built_ms"` // the built event: hot build of the base
	ReadyS        float64   `json:"ready_s"`  // start of hotreload run to ready
	KitMS         float64   `json:"kit_ms"`   // the kit event
	KitS          float64   `json:"kit_s"`    // start to kit
	PID           int       `json:"pid"`
	Baseline      RSS       `json:"baseline_rss"` // before the first patch
	Edits         []HotEdit `json:"edits"`
	HitsAfter     int       `json:"hits_after"` // the counter after the last edit
	LastPatchDir  string    `json:"last_patch_dir"`
	HostBinary    string    `json:"host_binary"`
	PatchesOnDisk int64     `json:"patches_on_disk_bytes"` // the whole patches directory
	Log           string    `json:"log"`
}

// HotEdit is one edit of a hot session.
type HotEdit struct {
	N          int      `json:"n"`
	Rev        int      `json:"rev"`
	ServedMS   float64  `json:"served_ms"`  // write → new value over HTTP
	ChangeMS   float64  `json:"change_ms"`  // write → change event received
	AppliedMS  float64  `json:"applied_ms"` // write → applied event received
	TotalMS    float64  `json:"total_ms"`   // event: change noticed → applied
	BuildMS    float64  `json:"build_ms"`   // event: generate + compile + link
	LoadMS     float64  `json:"load_ms"`    // event: verify + plugin.Open
	ApplyMS    float64  `json:"apply_ms"`   // event: the switch
	Gen        int      `json:"gen"`
	Functions  []string `json:"functions"`
	Hits       int      `json:"hits"` // the counter when the new value was first served
	Polls      int      `json:"polls"`
	RSS        RSS      `json:"rss"`
	Plugin     string   `json:"plugin"`
	PluginSize int64    `json:"plugin_bytes"`
	Load1      float64  `json:"load1"`
}

// RSS is the memory of a process at one moment.
type RSS struct {
	VmRSSKB     int64 `json:"vmrss_kb"`
	RssAnonKB   int64 `json:"rss_anon_kb"`
	RssFileKB   int64 `json:"rss_file_kb"`
	PatchRssKB  int64 `json:"patch_rss_kb"`   // Rss of the mappings of patch .so files (smaps)
	PatchSizeKB int64 `json:"patch_vsz_kb"`   // their mapped size
	PatchDirty  int64 `json:"patch_dirty_kb"` // their private dirty pages (relocated data, GOT)
	Mappings    int   `json:"patch_mappings"`
}

// RestartResult is a series of rebuild+restart rounds.
type RestartResult struct {
	Mode   string         `json:"mode"` // "go build" or "hotreload build"
	Rounds []RestartRound `json:"rounds"`
	Log    string         `json:"log"`
}

// RestartRound is one edit → rebuild → restart → served.
type RestartRound struct {
	N         int     `json:"n"`
	Rev       int     `json:"rev"`
	ServedMS  float64 `json:"served_ms"` // write → new value over HTTP
	BuildMS   float64 `json:"build_ms"`  // go build
	StopMS    float64 `json:"stop_ms"`   // SIGTERM → exited
	ListenMS  float64 `json:"listen_ms"` // exec → "listening on" line
	AnswerMS  float64 `json:"answer_ms"` // listening → first answer with the new value
	HitsAfter int     `json:"hits"`      // the counter in that first answer: state lost
	Load1     float64 `json:"load1"`
}

// Breakdown re-runs the last patch's compile and link by hand.
type Breakdown struct {
	PatchDir   string                 `json:"patch_dir"`
	Files      []string               `json:"files"`
	Imports    int                    `json:"importcfg_packages"`
	LinkedPkgs int                    `json:"plugin_packages"` // packages with code in the plugin (go tool nm)
	HostPkgs   int                    `json:"host_packages"`   // ... in the host binary
	Variants   map[string][]float64   `json:"variants_ms"`
	Sizes      map[string]int64       `json:"sizes"`
	Loads      map[string]VariantLoad `json:"loads"`
	LinkPhases map[string]float64     `json:"link_phases_ms"` // link -benchmark=cpu (one run)
	Notes      []string               `json:"notes,omitempty"`
}

// VariantLoad is the running program applying a link variant of the last patch.
type VariantLoad struct {
	OK       bool    `json:"ok"`
	VerifyMS float64 `json:"verify_ms,omitempty"`
	LoadMS   float64 `json:"load_ms,omitempty"`
	ApplyMS  float64 `json:"apply_ms,omitempty"`
	Error    string  `json:"error,omitempty"`
}
