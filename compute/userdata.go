package compute

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/8byte/infra/settings"
)

//go:embed userdata.sh.tmpl
var userDataText string

var userDataTemplate = template.Must(template.New("userdata.sh.tmpl").Option("missingkey=error").Parse(userDataText))

// Container settings of the app image.
const (
	// AppUser is the image's user: distroless `nonroot` (uid and gid 65532).
	AppUser = "65532:65532"
	// AppContainer names the container and AppUnit the systemd unit that runs it.
	AppContainer = "8byte-app"
	AppUnit      = "8byte-app.service"
	// agentConfigPath is where the user data writes the CloudWatch agent's configuration.
	agentConfigPath = "/opt/aws/amazon-cloudwatch-agent/etc/8byte.json"
	// AppLogBuffer is how much of the app's output docker's awslogs driver holds while CloudWatch Logs does
	// not take it (throttled, unreachable): the driver runs non-blocking, as ECS does by default since
	// June 2025, so a slow log service never blocks the app's writes (blocking them stalls the requests,
	// fails the health checks and gets healthy instances replaced). When the buffer is full, lines are
	// dropped; 8 MiB holds minutes of the app's output (it rate-limits its repeated lines).
	AppLogBuffer = "8m"
	// maxUserData is EC2's limit on user data before base64 encoding.
	maxUserData = 16 * 1024
)

// The environment variables of the app container: the contract in contract/app-env.json.
const (
	EnvAppEnv           = "APP_ENV"
	EnvAppPort          = "APP_PORT"
	EnvAppVersion       = "APP_VERSION"
	EnvRegion           = "AWS_REGION"
	EnvConnectionSecret = "DB_CONNECTION_SECRET_ARN"
	EnvMetricsNamespace = "METRICS_NAMESPACE"
)

// EnvVar is one environment variable of the app container.
type EnvVar struct {
	Name  string
	Value string
}

// UserData holds the values the user-data template renders.
type UserData struct {
	Environment      settings.Environment
	Region           string
	Registry         string // ECR registry host, <account>.dkr.ecr.<region>.<dns suffix>
	Image            string // full image reference, registry/repository:tag
	AppPort          int
	AppLogGroup      string
	SystemLogGroup   string
	MetricsNamespace string
	Env              []EnvVar
}

// userDataView is what the template sees: the values plus the fixed names and the agent configuration.
type userDataView struct {
	UserData
	Unit, Container, User, AgentConfigPath, AgentConfig, LogBuffer string
}

// newUserData returns the user data of args' instances; the secret ARN and the log group names are the
// resolved values of the other tiers' outputs.
func newUserData(args *Args, connectionSecretArn, appLogGroup, systemLogGroup string) UserData {
	acct := args.Account
	registry, _, _ := strings.Cut(args.Config.RepositoryURL, "/")
	return UserData{
		Environment:      args.Environment,
		Region:           acct.Region,
		Registry:         registry,
		Image:            args.Config.RepositoryURL + ":" + args.Config.ImageTag,
		AppPort:          args.AppPort,
		AppLogGroup:      appLogGroup,
		SystemLogGroup:   systemLogGroup,
		MetricsNamespace: args.MetricsNamespace,
		Env: []EnvVar{
			{EnvAppEnv, args.Environment.String()},
			{EnvAppPort, strconv.Itoa(args.AppPort)},
			{EnvAppVersion, args.Config.ImageTag},
			{EnvRegion, acct.Region},
			{EnvConnectionSecret, connectionSecretArn},
			{EnvMetricsNamespace, args.MetricsNamespace},
		},
	}
}

// plainValue is what a value may contain to be written into the shell script and the systemd unit
// unquoted: no whitespace, quotes, `$`, `%` (a systemd specifier) or backslashes.
var plainValue = regexp.MustCompile(`^[A-Za-z0-9._:/@!+=,-]+$`)

// Render returns the user-data script.
func (u UserData) Render() (string, error) {
	values := map[string]string{
		"region": u.Region, "registry": u.Registry, "image": u.Image, "app log group": u.AppLogGroup,
		"system log group": u.SystemLogGroup, "metrics namespace": u.MetricsNamespace,
	}
	for _, e := range u.Env {
		values[e.Name] = e.Value
	}
	for what, v := range values {
		if !plainValue.MatchString(v) {
			return "", fmt.Errorf("user data: %s %q is empty or has characters the script cannot carry unquoted", what, v)
		}
	}
	agent, err := json.MarshalIndent(NewAgentConfig(u.MetricsNamespace, u.SystemLogGroup), "", "  ")
	if err != nil {
		return "", fmt.Errorf("user data: CloudWatch agent config: %w", err)
	}
	view := userDataView{UserData: u, Unit: AppUnit, Container: AppContainer, User: AppUser, AgentConfigPath: agentConfigPath, AgentConfig: string(agent), LogBuffer: AppLogBuffer}
	var out bytes.Buffer
	if err := userDataTemplate.Execute(&out, view); err != nil {
		return "", fmt.Errorf("user data: %w", err)
	}
	if out.Len() > maxUserData {
		return "", fmt.Errorf("user data: %d bytes, EC2 accepts at most %d", out.Len(), maxUserData)
	}
	return out.String(), nil
}

// AgentConfig is the CloudWatch agent's configuration file.
type AgentConfig struct {
	Agent   AgentSection `json:"agent"`
	Metrics AgentMetrics `json:"metrics"`
	Logs    AgentLogs    `json:"logs"`
}

// AgentSection holds the agent's own settings. It runs as root to read /var/log/messages.
type AgentSection struct {
	MetricsCollectionInterval int    `json:"metrics_collection_interval"`
	RunAsUser                 string `json:"run_as_user"`
}

// AgentMetrics are the metrics the agent publishes, with the dimensions it appends to each.
type AgentMetrics struct {
	Namespace        string            `json:"namespace"`
	AppendDimensions map[string]string `json:"append_dimensions"`
	// AggregationDimensions also publishes each metric rolled up over these dimension sets; the empty
	// set rolls up every dimension: the fleet's metric, which the dashboard graphs.
	AggregationDimensions [][]string     `json:"aggregation_dimensions"`
	MetricsCollected      AgentCollected `json:"metrics_collected"`
}

// AgentCollected selects the memory and disk measurements.
type AgentCollected struct {
	Mem  AgentMeasurement `json:"mem"`
	Disk AgentDisk        `json:"disk"`
}

// AgentMeasurement lists measurements of one plugin; each becomes the metric <plugin>_<measurement>.
type AgentMeasurement struct {
	Measurement []string `json:"measurement"`
}

// AgentDisk measures the listed mount points, without the device dimension (it changes across instance
// types and would split the metric).
type AgentDisk struct {
	Measurement []string `json:"measurement"`
	Resources   []string `json:"resources"`
	DropDevice  bool     `json:"drop_device"`
}

// AgentLogs are the log files the agent ships.
type AgentLogs struct {
	LogsCollected AgentLogsCollected `json:"logs_collected"`
}

// AgentLogsCollected wraps the file list, as the agent's schema nests it.
type AgentLogsCollected struct {
	Files AgentFiles `json:"files"`
}

// AgentFiles lists the files to ship.
type AgentFiles struct {
	CollectList []AgentLogFile `json:"collect_list"`
}

// AgentLogFile ships one file to a log group, one stream per instance.
type AgentLogFile struct {
	FilePath      string `json:"file_path"`
	LogGroupName  string `json:"log_group_name"`
	LogStreamName string `json:"log_stream_name"`
}

// SystemLogFiles are the files shipped to the system log group: the syslog (including the user data's
// own messages and failures) and cloud-init's logs (the user data's output).
var SystemLogFiles = []string{"/var/log/messages", "/var/log/cloud-init.log", "/var/log/cloud-init-output.log"}

// Metric names the agent publishes into the stack's MetricsNamespace: per instance (dimension InstanceId,
// the disk metric also path and fstype), and rolled up over the whole fleet (no dimension). The namespace
// is the stack's own, so the fleet needs no AutoScalingGroupName dimension.
const (
	MetricMemoryUsed = "mem_used_percent"
	MetricDiskUsed   = "disk_used_percent"
)

// InstanceIDDimension is the agent's placeholder for the instance id, which its ec2tagger reads from the
// instance metadata (IMDSv2), with no AWS API call. The agent's other instance dimension that is not in
// the metadata, ${aws:AutoScalingGroupName}, is deliberately not used: the ec2tagger resolves it with
// ec2:DescribeTags (an action with no resource type, so only grantable on Resource "*", exposing every
// tag of the account and region) and drops every metric until that call succeeds.
const InstanceIDDimension = "${aws:InstanceId}"

// NewAgentConfig returns the agent configuration: memory and root-disk use every minute into namespace,
// per instance, and the system logs into systemLogGroup.
func NewAgentConfig(namespace, systemLogGroup string) AgentConfig {
	var files []AgentLogFile
	for _, path := range SystemLogFiles {
		files = append(files, AgentLogFile{FilePath: path, LogGroupName: systemLogGroup, LogStreamName: "{instance_id}" + path})
	}
	return AgentConfig{
		Agent: AgentSection{MetricsCollectionInterval: 60, RunAsUser: "root"},
		Metrics: AgentMetrics{
			Namespace:             namespace,
			AppendDimensions:      map[string]string{"InstanceId": InstanceIDDimension},
			AggregationDimensions: [][]string{{}},
			MetricsCollected: AgentCollected{
				Mem:  AgentMeasurement{Measurement: []string{"used_percent"}},
				Disk: AgentDisk{Measurement: []string{"used_percent"}, Resources: []string{"/"}, DropDevice: true},
			},
		},
		Logs: AgentLogs{LogsCollected: AgentLogsCollected{Files: AgentFiles{CollectList: files}}},
	}
}
