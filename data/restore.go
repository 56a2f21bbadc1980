package data

import (
	"regexp"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/8byte/infra/settings"
)

// Recovery makes the stack a recovery stack: its database is not created empty but restored to a point in
// time from another stack's automated backups that RDS replicates into this stack's region
// (database.backupReplication of the source stack). It is the `8byte:recovery` stack-config object.
//
// The source is given by config, not by a stack reference, on purpose: in the regional outage this stack
// exists for, the source stack's region (and the state and outputs kept there) may be unreachable, while the
// replicated backups and their key are listed by the RDS API of this very region
// (`aws rds describe-db-instance-automated-backups`). scripts/dr-drill (cmd/drdrill) reads them from there
// and sets these keys; nobody copies an ARN by hand.
type Recovery struct {
	// SourceBackupsArn is the ARN of the replicated automated backups to restore from
	// (arn:aws:rds:<this region>:<account>:auto-backup:ab-...). Empty: no restore, a new database.
	SourceBackupsArn string `json:"sourceBackupsArn"`
	// KmsKeyArn is the key of this region that encrypts the replicated backups (the source stack's replica
	// key). RDS encrypts the restored instance with it; the stack names it so that a refresh shows no change.
	KmsKeyArn string `json:"kmsKeyArn"`
	// SourceRegion is the region of the source database; it must differ from this stack's region.
	SourceRegion string `json:"sourceRegion"`
	// RestoreTime is the point in time to restore to (RFC 3339, UTC); empty means the latest restorable time.
	RestoreTime string `json:"restoreTime"`
	// Drill marks a disaster-recovery drill: the stack is created to be destroyed again, so nothing of it is
	// protected or retained (settings.Environment.Drill, Protected): no deletion protection, final snapshot
	// or retained automated backups, keys, buckets or secrets, and it does not replicate its own backups.
	// Only a recovery stack can be a drill.
	Drill bool `json:"drill"`
}

// Enabled reports whether the stack restores its database instead of creating an empty one.
func (r Recovery) Enabled() bool { return r.SourceBackupsArn != "" }

var (
	automatedBackupsArnPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):rds:([a-z0-9-]+):(\d{12}):auto-backup:ab-[a-z0-9]{10,64}$`)
	kmsKeyArnPattern           = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key/[a-zA-Z0-9-]{1,64}$`)
)

// Validate checks the recovery settings that need no knowledge of the stack's account, together with the
// database settings they constrain.
func (r Recovery) Validate(db Config) error {
	if !r.Enabled() {
		if r != (Recovery{}) {
			return settings.Invalid("recovery.sourceBackupsArn", r.SourceBackupsArn,
				"is required when any other recovery key is set (the ARN of the replicated automated backups to restore from)")
		}
		return nil
	}
	if !automatedBackupsArnPattern.MatchString(r.SourceBackupsArn) {
		return settings.Invalid("recovery.sourceBackupsArn", r.SourceBackupsArn,
			"must be the ARN of replicated automated backups, arn:aws:rds:<region>:<account>:auto-backup:ab-<id> (scripts/dr-drill finds it)")
	}
	if !kmsKeyArnPattern.MatchString(r.KmsKeyArn) {
		return settings.Invalid("recovery.kmsKeyArn", r.KmsKeyArn,
			"must be the ARN of the KMS key that encrypts the replicated backups, arn:aws:kms:<region>:<account>:key/<id>")
	}
	if !regionPattern.MatchString(r.SourceRegion) {
		return settings.Invalid("recovery.sourceRegion", r.SourceRegion, "must be the AWS region of the source database, such as us-east-1")
	}
	if r.RestoreTime != "" {
		if _, err := time.Parse(time.RFC3339, r.RestoreTime); err != nil {
			return settings.Invalid("recovery.restoreTime", r.RestoreTime,
				"must be an RFC 3339 time such as 2026-12-01T06:30:00Z, or empty for the latest restorable time")
		}
	}
	if db.ManageAccountPublicAccessBlock {
		return settings.Invalid("database.manageAccountPublicAccessBlock", true,
			"must be false in a recovery stack: the source stack owns the account-wide S3 Block Public Access of this account")
	}
	if r.Drill && db.BackupReplication {
		return settings.Invalid("database.backupReplication", true, "must be false in a recovery drill: the drill database is destroyed after the drill")
	}
	return nil
}

// CheckAccount checks the restore source against the account and region the stack deploys to: the
// replicated backups and their key must be in this account and this region, and the source region must be
// another one (a restore in the source region is a plain point-in-time restore, not a recovery).
func (r Recovery) CheckAccount(account settings.Account) error {
	if !r.Enabled() {
		return nil
	}
	m := automatedBackupsArnPattern.FindStringSubmatch(r.SourceBackupsArn)
	if m[1] != account.Partition || m[2] != account.Region || m[3] != account.ID {
		return settings.Invalid("recovery.sourceBackupsArn", r.SourceBackupsArn,
			"must be replicated backups in this stack's account %s and region %s (RDS restores only from backups in its own region)", account.ID, account.Region)
	}
	k := kmsKeyArnPattern.FindStringSubmatch(r.KmsKeyArn)
	if k[1] != account.Partition || k[2] != account.Region || k[3] != account.ID {
		return settings.Invalid("recovery.kmsKeyArn", r.KmsKeyArn,
			"must be a key in this stack's account %s and region %s, the key of the replicated backups", account.ID, account.Region)
	}
	if r.SourceRegion == account.Region {
		return settings.Invalid("recovery.sourceRegion", r.SourceRegion,
			"must differ from this stack's region %s: a recovery stack runs in the region the backups were replicated to", account.Region)
	}
	return nil
}

// restoreFrom turns the arguments of a new instance into those of a point-in-time restore from the
// replicated backups of recovery. Everything else stays as for a new instance of the same profile: the
// parameter group (TLS enforced), subnets, security group, Multi-AZ, monitoring, log exports and the
// RDS-managed master password under this stack's secrets key (the provider applies the last two with a
// ModifyDBInstance right after the restore).
//
// The restore takes what the backups hold: the storage size, the database and its master user, so those
// inputs are left out (the provider then reads them back without a diff); the storage is encrypted with the
// backups' key, which RDS uses for the restored instance, so the stack names that key.
func restoreFrom(args *rds.InstanceArgs, recovery Recovery) {
	restore := &rds.InstanceRestoreToPointInTimeArgs{
		SourceDbInstanceAutomatedBackupsArn: pulumi.String(recovery.SourceBackupsArn),
	}
	if recovery.RestoreTime == "" {
		restore.UseLatestRestorableTime = pulumi.Bool(true)
	} else {
		restore.RestoreTime = pulumi.String(recovery.RestoreTime)
	}
	args.RestoreToPointInTime = restore
	args.KmsKeyId = pulumi.String(recovery.KmsKeyArn)
	args.AllocatedStorage = nil
	args.DbName = nil
	args.Username = nil
}
