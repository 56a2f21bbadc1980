package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDiagramDrawsWhatTheStacksHave(t *testing.T) {
	alb := Resource{Type: "aws:lb/loadBalancer:LoadBalancer"}
	asg := Resource{Type: "aws:autoscaling/group:Group"}
	waf := Resource{Type: "aws:wafv2/webAcl:WebAcl"}

	// No WAF: the internet reaches the load balancer directly, and no database box or flow is drawn.
	d := Diagram(map[string][]Resource{"dev": {alb, asg}})
	assert.Contains(t, d, "  user -->|80 / 443| alb\n")
	assert.Contains(t, d, "  alb -->|app port| app\n")
	assert.NotContains(t, d, "waf")
	assert.NotContains(t, d, "db")

	// Over several stacks, a box not every stack has names the stacks that have it.
	d = Diagram(map[string][]Resource{"dev": {alb, asg}, "prod": {alb, asg, waf}})
	assert.Contains(t, d, "  waf[\"WAF web ACL<br/>(prod)\"]\n")
	assert.Contains(t, d, "  user -->|80 / 443| waf\n  waf --> alb\n")
	assert.Contains(t, d, "  subgraph VPC\n    alb\n    app\n  end\n")
}
