package controls

import (
	"slices"

	"github.com/8byte/infra/tests"
)

const (
	typeDB            = "aws:rds/instance:Instance"
	typeDBReplication = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
	typeBucket        = "aws:s3/bucketV2:BucketV2"
	typeBucketPAB     = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	typeAccountPAB    = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
	typeBucketOwner   = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	typeBucketVersion = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	typeBucketSSE     = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	typeBucketLife    = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	typeBucketLogging = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	typeBucketPolicy  = "aws:s3/bucketPolicy:BucketPolicy"
	typeSecret        = "aws:secretsmanager/secret:Secret"
	typeSecretRotate  = "aws:secretsmanager/secretRotation:SecretRotation"
	typeKey           = "aws:kms/key:Key"
	publicAccessFlags = "blockPublicAcls blockPublicPolicy ignorePublicAcls restrictPublicBuckets"
)

var publicAccessFlagList = []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"}

// dbCheck returns a control over every RDS instance.
func dbCheck(id, title, checks string, ok func(db *tests.Resource) bool, breakIt func(db *tests.Resource)) *Control {
	return &Control{
		ID: id, Title: title, Checks: checks, Types: []string{typeDB},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeDB}, func(db *tests.Resource) []Finding { return unless(ok(db), db, "%s: no", checks) })
		},
		Break: func(s *Stack) { breakIt(first(s, typeDB)) },
	}
}

// bucketCheck returns a control that every bucket has a companion resource of typ passing ok.
func bucketCheck(id, title, checks, typ string, ok func(companion *tests.Resource) bool, breakIt func(companion *tests.Resource)) *Control {
	return &Control{
		ID: id, Title: title, Checks: checks, Types: []string{typeBucket},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeBucket}, func(b *tests.Resource) []Finding {
				for _, c := range s.OfType(typ) {
					if c.String("bucket") == b.Out["id"] && ok(c) {
						return nil
					}
				}
				return []Finding{finding(b, "%s: no", checks)}
			})
		},
		Break: func(s *Stack) { breakIt(first(s, typ)) },
	}
}

// dataControls are the Security Hub RDS, S3, Secrets Manager and KMS controls and the design's data
// controls.
var dataControls = []*Control{
	dbCheck("RDS.2", "RDS DB Instances should prohibit public access", "publiclyAccessible is false",
		func(db *tests.Resource) bool { return db.Get("publiclyAccessible") == false },
		func(db *tests.Resource) { set(db, "publiclyAccessible", true) }),
	withBranches(dbCheck("RDS.3", "RDS DB instances should have encryption at-rest enabled", "storage is encrypted with a customer-managed KMS key",
		func(db *tests.Resource) bool { return db.Bool("storageEncrypted") && db.String("kmsKeyId") != "" },
		func(db *tests.Resource) { set(db, "storageEncrypted", false) }),
		Branch{"the AWS managed key", func(s *Stack) { set(first(s, typeDB), "kmsKeyId", nil) }}),
	dbCheck("RDS.5", "RDS DB instances should be configured with multiple Availability Zones", "multiAz is true",
		func(db *tests.Resource) bool { return db.Bool("multiAz") },
		func(db *tests.Resource) { set(db, "multiAz", false) }),
	withBranches(dbCheck("RDS.6", "Enhanced monitoring should be configured for RDS DB instances", "monitoringInterval > 0 with a monitoring role",
		func(db *tests.Resource) bool {
			return db.Int("monitoringInterval") > 0 && db.String("monitoringRoleArn") != ""
		},
		func(db *tests.Resource) { set(db, "monitoringInterval", 0) }),
		Branch{"no monitoring role", func(s *Stack) { set(first(s, typeDB), "monitoringRoleArn", nil) }}),
	dbCheck("RDS.8", "RDS DB instances should have deletion protection enabled", "deletionProtection is true",
		func(db *tests.Resource) bool { return db.Bool("deletionProtection") },
		func(db *tests.Resource) { set(db, "deletionProtection", false) }),
	withBranches(dbCheck("RDS.9", "RDS DB instances should publish logs to CloudWatch Logs", "the postgresql and upgrade logs are exported",
		func(db *tests.Resource) bool {
			logs := db.Strings("enabledCloudwatchLogsExports")
			return slices.Contains(logs, "postgresql") && slices.Contains(logs, "upgrade")
		},
		func(db *tests.Resource) { set(db, "enabledCloudwatchLogsExports", []any{"upgrade"}) }),
		Branch{"no upgrade log", func(s *Stack) { set(first(s, typeDB), "enabledCloudwatchLogsExports", []any{"postgresql"}) }}),
	dbCheck("RDS.10", "IAM authentication should be configured for RDS instances", "IAM database authentication is on",
		func(db *tests.Resource) bool { return db.Bool("iamDatabaseAuthenticationEnabled") },
		func(db *tests.Resource) { set(db, "iamDatabaseAuthenticationEnabled", false) }),
	dbCheck("RDS.11", "RDS instances should have automatic backups enabled", "backups are kept at least 7 days",
		func(db *tests.Resource) bool { return db.Int("backupRetentionPeriod") >= 7 },
		func(db *tests.Resource) { set(db, "backupRetentionPeriod", 0) }),
	dbCheck("RDS.13", "RDS automatic minor version upgrades should be enabled", "autoMinorVersionUpgrade is true",
		func(db *tests.Resource) bool { return db.Get("autoMinorVersionUpgrade") != false },
		func(db *tests.Resource) { set(db, "autoMinorVersionUpgrade", false) }),
	dbCheck("RDS.17", "RDS DB instances should be configured to copy tags to snapshots", "copyTagsToSnapshot is true",
		func(db *tests.Resource) bool { return db.Bool("copyTagsToSnapshot") },
		func(db *tests.Resource) { set(db, "copyTagsToSnapshot", false) }),
	dbCheck("RDS.18", "RDS instances should be deployed in a VPC", "the instance is in a DB subnet group of the VPC",
		func(db *tests.Resource) bool { return db.String("dbSubnetGroupName") != "" },
		func(db *tests.Resource) { set(db, "dbSubnetGroupName", nil) }),
	fixed(dbCheck("RDS.23", "RDS instances should not use a database engine default port", "the port is not 5432",
		func(db *tests.Resource) bool { return db.Int("port") != 0 && db.Int("port") != 5432 },
		func(db *tests.Resource) { set(db, "port", 5432) }),
		func(s *Stack) { // the accepted default port, moved for the proof
			for _, db := range s.OfType(typeDB) {
				set(db, "port", 5433)
			}
		}),
	withBranches(dbCheck("RDS.25", "RDS database instances should use a custom administrator username", "the master username is not postgres",
		func(db *tests.Resource) bool {
			return db.String("username") != "" && db.String("username") != "postgres"
		},
		func(db *tests.Resource) { set(db, "username", "postgres") }),
		Branch{"no username", func(s *Stack) { set(first(s, typeDB), "username", nil) }}),
	withBranches(dbCheck("Design.Data.1", "Database credentials are generated and rotated by AWS in Secrets Manager",
		"manageMasterUserPassword is on, with a customer-managed key, and no password is set anywhere",
		func(db *tests.Resource) bool {
			return db.Bool("manageMasterUserPassword") && db.String("masterUserSecretKmsKeyId") != "" && db.Get("password") == nil
		},
		func(db *tests.Resource) { set(db, "password", "hunter2") }),
		Branch{"password not managed", func(s *Stack) { set(first(s, typeDB), "manageMasterUserPassword", false) }},
		Branch{"managed secret under the AWS managed key", func(s *Stack) { set(first(s, typeDB), "masterUserSecretKmsKeyId", nil) }}),
	{
		ID: "Design.Data.2", Title: "Cross-region backup replication",
		Checks: "every RDS instance's automated backups are replicated to another region with a KMS key of that region",
		Types:  []string{typeDB},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeDB}, func(db *tests.Resource) []Finding {
				for _, r := range s.OfType(typeDBReplication) {
					if r.String("sourceDbInstanceArn") == db.Out["arn"] && r.String("kmsKeyId") != "" && r.Region != db.Region {
						return nil
					}
				}
				return []Finding{finding(db, "automated backups not replicated to another region")}
			})
		},
		Break: func(s *Stack) {
			for _, r := range s.OfType(typeDBReplication) {
				r.Region = first(s, typeDB).Region
			}
		},
		Branches: []Branch{
			{"replica without its key", func(s *Stack) {
				for _, r := range s.OfType(typeDBReplication) {
					set(r, "kmsKeyId", nil)
				}
			}},
			{"replicating another instance", func(s *Stack) {
				for _, r := range s.OfType(typeDBReplication) {
					set(r, "sourceDbInstanceArn", "arn:other")
				}
			}},
		},
	},
	{
		ID: "S3.1", Title: "S3 general purpose buckets should have block public access settings enabled",
		Checks: "the account-level S3 Block Public Access has all four flags on",
		Types:  []string{typeAccountPAB},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeAccountPAB}, func(r *tests.Resource) []Finding {
				return unless(allFlags(r), r, "a flag of %s is off", publicAccessFlags)
			})
		},
		Break: func(s *Stack) { set(first(s, typeAccountPAB), "blockPublicPolicy", false) },
	},
	withBranches(bucketCheck("S3.5", "S3 general purpose buckets should require requests to use SSL",
		"every bucket policy denies s3:* on the bucket and its objects when aws:SecureTransport is false", typeBucketPolicy,
		func(p *tests.Resource) bool {
			for _, st := range statements(p, "policy") {
				if st.Effect == "Deny" && slices.Contains(st.Action, "s3:*") && len(st.Resource) == 2 &&
					slices.Equal(st.Condition["Bool"]["aws:SecureTransport"], []string{"false"}) {
					return true
				}
			}
			return false
		},
		func(p *tests.Resource) { set(p, "policy", `{"Version":"2012-10-17","Statement":[]}`) }),
		tlsBranch("allow instead of deny", func(st map[string]any) { st["Effect"] = "Allow" }),
		tlsBranch("only some actions", func(st map[string]any) { st["Action"] = "s3:GetObject" }),
		tlsBranch("the bucket but not its objects", func(st map[string]any) { st["Resource"] = st["Resource"].([]any)[:1] }),
		tlsBranch("no TLS condition", func(st map[string]any) { delete(st, "Condition") }),
		tlsBranch("the condition inverted", func(st map[string]any) {
			st["Condition"] = map[string]any{"Bool": map[string]any{"aws:SecureTransport": "true"}}
		})),
	bucketCheck("S3.8", "S3 general purpose buckets should block public access",
		"every bucket has a public access block with all four flags on", typeBucketPAB, allFlags,
		func(r *tests.Resource) { set(r, "ignorePublicAcls", false) }),
	bucketCheck("S3.9", "S3 general purpose buckets should have server access logging enabled",
		"every bucket logs its server access to the access-log bucket", typeBucketLogging,
		func(r *tests.Resource) bool { return r.String("targetBucket") != "" },
		func(r *tests.Resource) { set(r, "bucket", "other") }),
	withBranches(bucketCheck("S3.10", "S3 general purpose buckets with versioning enabled should have Lifecycle configurations",
		"every (versioned) bucket has an enabled lifecycle rule that expires noncurrent versions", typeBucketLife,
		func(r *tests.Resource) bool {
			return r.String("rules.0.status") == "Enabled" && r.Int("rules.0.noncurrentVersionExpiration.noncurrentDays") > 0
		},
		func(r *tests.Resource) { set(r, "rules", []any{}) }),
		Branch{"noncurrent versions kept", func(s *Stack) { set(first(s, typeBucketLife), "rules.0.noncurrentVersionExpiration", nil) }}),
	bucketCheck("S3.12", "ACLs should not be used to manage user access to S3 general purpose buckets",
		"every bucket's object ownership is BucketOwnerEnforced (ACLs disabled)", typeBucketOwner,
		func(r *tests.Resource) bool { return r.String("rule.objectOwnership") == "BucketOwnerEnforced" },
		func(r *tests.Resource) { set(r, "rule.objectOwnership", "ObjectWriter") }),
	withBranches(bucketCheck("S3.13", "S3 general purpose buckets should have Lifecycle configurations",
		"every bucket has an enabled lifecycle rule that expires objects", typeBucketLife,
		func(r *tests.Resource) bool {
			return r.String("rules.0.status") == "Enabled" && r.Int("rules.0.expiration.days") > 0
		},
		func(r *tests.Resource) { set(r, "rules.0.status", "Disabled") }),
		Branch{"objects never expire", func(s *Stack) { set(first(s, typeBucketLife), "rules.0.expiration", nil) }}),
	bucketCheck("S3.14", "S3 general purpose buckets should have versioning enabled",
		"every bucket's versioning is Enabled", typeBucketVersion,
		func(r *tests.Resource) bool { return r.String("versioningConfiguration.status") == "Enabled" },
		func(r *tests.Resource) { set(r, "versioningConfiguration.status", "Suspended") }),
	{
		ID: "Design.Data.3", Title: "Every bucket is encrypted at rest",
		Checks: "every bucket has default encryption: SSE-KMS with a key, or SSE-S3 (AES256) only where a log-delivering service requires it " +
			"(the target of a load balancer's access logs or of server access logging)",
		Types: []string{typeBucket},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeBucket}, func(b *tests.Resource) []Finding {
				for _, c := range s.OfType(typeBucketSSE) {
					if c.String("bucket") != b.Out["id"] {
						continue
					}
					rule := "rules.0.applyServerSideEncryptionByDefault."
					switch c.String(rule + "sseAlgorithm") {
					case "aws:kms":
						return unless(c.String(rule+"kmsMasterKeyId") != "", b, "SSE-KMS without a key")
					case "AES256":
						return unless(receivesDeliveredLogs(s, b), b, "SSE-S3, but no log-delivering service requires it: use SSE-KMS with a key of the stack")
					}
				}
				return []Finding{finding(b, "no default encryption")}
			})
		},
		Break: func(s *Stack) { set(first(s, typeBucketSSE), "rules", []any{}) },
		Branches: []Branch{
			{"SSE-KMS without a key", func(s *Stack) {
				if r := bucketEncryptedWith(s, "aws:kms"); r != nil {
					set(r, "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", nil)
				}
			}},
			{"SSE-S3 where no service requires it", func(s *Stack) {
				if r := bucketEncryptedWith(s, "aws:kms"); r != nil {
					set(r, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256")
					set(r, "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", nil)
				}
			}},
		},
	},
	{
		ID: "SecretsManager.1", Title: "Secrets Manager secrets should have automatic rotation enabled",
		Checks: "every secret the stack creates has a rotation schedule",
		Types:  []string{typeSecret},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeSecret}, func(sec *tests.Resource) []Finding {
				for _, r := range s.OfType(typeSecretRotate) {
					if r.String("secretId") == sec.Out["id"] && r.Int("rotationRules.automaticallyAfterDays") > 0 {
						return nil
					}
				}
				return []Finding{finding(sec, "no rotation")}
			})
		},
		Break: func(s *Stack) {
			for _, r := range s.OfType(typeSecretRotate) {
				set(r, "secretId", "other")
			}
		},
		Fix: rotateEverySecret,
		Branches: []Branch{{"rotation without a schedule", func(s *Stack) {
			for _, r := range s.OfType(typeSecretRotate) {
				set(r, "rotationRules.automaticallyAfterDays", 0)
			}
		}}},
	},
	{
		ID: "SecretsManager.4", Title: "Secrets Manager secrets should be rotated within a specified number of days",
		Checks: "every secret the stack creates rotates at least every 90 days",
		Types:  []string{typeSecret},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeSecret}, func(sec *tests.Resource) []Finding {
				for _, r := range s.OfType(typeSecretRotate) {
					if days := r.Int("rotationRules.automaticallyAfterDays"); r.String("secretId") == sec.Out["id"] && days > 0 && days <= 90 {
						return nil
					}
				}
				return []Finding{finding(sec, "not rotated within 90 days")}
			})
		},
		Break: func(s *Stack) {
			for _, r := range s.OfType(typeSecretRotate) {
				set(r, "rotationRules.automaticallyAfterDays", 365)
			}
		},
		Fix: rotateEverySecret,
	},
	{
		ID: "Design.Data.4", Title: "Every secret is encrypted with a customer-managed key",
		Checks: "every secret names a KMS key of the stack",
		Types:  []string{typeSecret},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeSecret}, func(sec *tests.Resource) []Finding {
				return unless(s.ByOutput("arn", sec.String("kmsKeyId")) != nil || s.ByOutput("id", sec.String("kmsKeyId")) != nil,
					sec, "not encrypted with a key of the stack")
			})
		},
		Break: func(s *Stack) { set(first(s, typeSecret), "kmsKeyId", nil) },
		Branches: []Branch{{"a key outside the stack", func(s *Stack) {
			set(first(s, typeSecret), "kmsKeyId", "arn:aws:kms:us-east-1:111122223333:key/other")
		}}},
	},
	{
		ID: "KMS.4", Title: "AWS KMS key rotation should be enabled",
		Checks: "every customer-managed key rotates automatically",
		Types:  []string{typeKey},
		Evaluate: func(s *Stack) []Finding {
			return each(s, []string{typeKey}, func(k *tests.Resource) []Finding {
				return unless(k.Bool("enableKeyRotation"), k, "rotation off")
			})
		},
		Break: func(s *Stack) { set(first(s, typeKey), "enableKeyRotation", false) },
	},
}

// tlsBranch breaks the TLS-only statement of the first bucket policy with edit.
func tlsBranch(name string, edit func(st map[string]any)) Branch {
	return Branch{name, func(s *Stack) {
		for _, p := range s.OfType(typeBucketPolicy) {
			editStatements(p, "policy", func(st map[string]any) {
				if c, ok := st["Condition"].(map[string]any); ok && c["Bool"] != nil && st["Effect"] == "Deny" {
					edit(st)
				}
			})
		}
	}}
}

// rotateEverySecret adds a 30-day rotation to every secret without one: the accepted unrotated
// connection secret, rotated for the proof.
func rotateEverySecret(s *Stack) {
	for _, sec := range s.OfType(typeSecret) {
		s.Resources = append(s.Resources, &tests.Resource{Type: typeSecretRotate, Name: sec.Name + "-rotation",
			In: map[string]any{"secretId": sec.Out["id"], "rotationRules": map[string]any{"automaticallyAfterDays": 30}}, Out: map[string]any{}})
	}
}

// fixed sets the Fix of a control built by a helper.
func fixed(c *Control, fix func(s *Stack)) *Control {
	c.Fix = fix
	return c
}

func allFlags(r *tests.Resource) bool {
	for _, f := range publicAccessFlagList {
		if !r.Bool(f) {
			return false
		}
	}
	return true
}

// bucketEncryptedWith returns the first encryption configuration of the stack with algorithm algo, or nil.
func bucketEncryptedWith(s *Stack, algo string) *tests.Resource {
	for _, r := range s.OfType(typeBucketSSE) {
		if r.String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm") == algo {
			return r
		}
	}
	return nil
}

// receivesDeliveredLogs reports whether bucket b is where a service that requires SSE-S3 delivers logs:
// a load balancer's access logs, or the server access logs of the stack's buckets.
func receivesDeliveredLogs(s *Stack, b *tests.Resource) bool {
	for _, lb := range s.OfType(typeLB) {
		if target := lb.String("accessLogs.bucket"); target != "" && (target == b.Out["id"] || target == b.Out["bucket"]) {
			return true
		}
	}
	for _, l := range s.OfType(typeBucketLogging) {
		if target := l.String("targetBucket"); target != "" && (target == b.Out["id"] || target == b.Out["bucket"]) {
			return true
		}
	}
	return false
}
