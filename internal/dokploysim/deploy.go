package dokploysim

import (
	"time"

	"github.com/launchplane/launchplane/internal/dokploy"
)

// outcome is how a deploy job ends.
type outcome int

const (
	outcomeDone outcome = iota
	outcomeError
	outcomeHang
	// outcomeLost drops the job from the queue before it starts, as a
	// Dokploy restart does: the call succeeded but no row ever appears.
	outcomeLost
)

// maxHistory is Dokploy's per-resource deployment history. It prunes before
// inserting, so up to maxHistory+1 rows exist at once (errata 6).
const maxHistory = 10

type job struct {
	target      *target
	title       string
	description *string
	outcome     outcome
	readyAt     time.Time
}

type runningJob struct {
	job      *job
	dep      *deployment
	snap     *snapshot
	finishAt time.Time
}

// deployQueue is Dokploy's in-memory FIFO with the default concurrency of 1.
// One partition only: the simulator models the local server.
type deployQueue struct {
	pending []*job
	running *runningJob
	freeAt  time.Time
}

func (s *Sim) enqueue(t *target, title string, description *string) {
	o := outcomeDone
	if len(t.faults) > 0 {
		o, t.faults = t.faults[0], t.faults[1:]
	}
	if o == outcomeLost {
		return
	}
	s.queue.pending = append(s.queue.pending, &job{
		target: t, title: title, description: description, outcome: o,
		readyAt: s.cfg.Now().Add(s.cfg.QueueDelay),
	})
}

// advance replays queue events up to now, in virtual-time order, so the
// outcome does not depend on how often the simulator is polled.
func (s *Sim) advance(now time.Time) {
	q := &s.queue
	for {
		if r := q.running; r != nil {
			if r.job.outcome == outcomeHang || r.finishAt.After(now) {
				return
			}
			s.finish(r)
			q.freeAt = r.finishAt
			q.running = nil
			continue
		}
		if len(q.pending) == 0 {
			return
		}
		j := q.pending[0]
		start := j.readyAt
		if q.freeAt.After(start) {
			start = q.freeAt
		}
		if start.After(now) {
			return
		}
		q.pending = q.pending[1:]
		q.running = s.start(j, start)
	}
}

func (s *Sim) start(j *job, at time.Time) *runningJob {
	t := j.target
	t.setStatus("running")
	if n := len(t.deployments); n >= maxHistory {
		t.deployments = append([]*deployment(nil), t.deployments[n-maxHistory:]...)
	}
	dep := s.newDeployment(t, j.title, j.description, at)
	dep.Status = "running"
	dep.logs = append(dep.logs, "Initializing deployment", "Build "+j.title)
	if t.app != nil {
		dep.logs = append(dep.logs, "Pulling "+t.current().image)
	} else {
		dep.logs = append(dep.logs, "Starting compose "+t.appName())
	}
	t.deployments = append(t.deployments, dep)
	return &runningJob{job: j, dep: dep, snap: t.current(), finishAt: at.Add(s.cfg.BuildDuration)}
}

func (s *Sim) finish(r *runningJob) {
	t := r.job.target
	r.dep.FinishedAt = ptr(formatTime(r.finishAt))
	if r.job.outcome == outcomeError {
		r.dep.Status = "error"
		r.dep.logs = append(r.dep.logs, "Error occurred ❌, check the logs for details.")
		t.setStatus("error")
		return
	}
	r.dep.Status = "done"
	r.dep.logs = append(r.dep.logs, "Deployment done ✅")
	if t.compose != nil && dokploy.IsGitSource(t.compose.SourceType) {
		// Dokploy renames a git-sourced deployment after the commit it
		// built once it completes, so a client matching its own title
		// must follow the row by id after first seeing it.
		r.dep.Title = "Commit: deployed from " + t.compose.SourceType
		r.dep.Description = ptr("Commit built by Dokploy")
	}
	t.setStatus("done")
	s.goLive(t, r.snap, r.finishAt)
}

// goLive makes snap the running workload at time at: fresh containers,
// whose logs start with their startup lines.
func (s *Sim) goLive(t *target, snap *snapshot, at time.Time) {
	t.prevLive, t.live, t.liveAt = t.live, snap, at
	t.containers = nil
	if t.app != nil {
		c := s.newContainer(t, "", t.app.AppName+".1."+s.containerID(t.app.AppName, ""), at)
		c.log(at, "Starting "+t.app.AppName+" from "+snap.image)
		c.log(at, "Listening on port 3000")
		t.containers = append(t.containers, c)
		return
	}
	for _, svc := range composeServices(snap.composeFile) {
		c := s.newContainer(t, svc, t.compose.AppName+"-"+svc+"-1", at)
		c.log(at, "Container "+c.name+" started")
		t.containers = append(t.containers, c)
	}
}

func (s *Sim) newDeployment(t *target, title string, description *string, at time.Time) *deployment {
	created := s.stamp(at)
	id := t.id()
	dep := &deployment{
		DeploymentID: s.newID("dep"),
		Title:        title,
		Description:  description,
		LogPath:      "/etc/dokploy/logs/" + t.appName() + "/" + t.appName() + "-" + created + ".log",
		CreatedAt:    created,
		StartedAt:    ptr(created),
	}
	if t.app != nil {
		dep.ApplicationID = &id
	} else {
		dep.ComposeID = &id
	}
	return dep
}

// newestFirst returns t's deployments sorted by createdAt, newest first.
func newestFirst(t *target) []*deployment { return newestFirstRows(t.deployments) }
