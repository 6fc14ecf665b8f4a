"""CIS Alibaba Cloud Foundations Benchmark v2.0.0: all 85 recommendations (id, title, section, profile level,
assessment status as the benchmark marks them), each with guidance for a manual review. Which checks cover
a recommendation is not listed here: it is derived from the checks' own `cis` metadata (see
aliaudit.compliance), so the catalogue stays right as checks are added."""

from __future__ import annotations

from dataclasses import dataclass

FRAMEWORK = "cis_2.0"
NAME = "CIS Alibaba Cloud Foundations Benchmark v2.0.0"

SECTIONS = {
    "1": "Identity and Access Management",
    "2": "Logging and Monitoring",
    "3": "Networking",
    "4": "Virtual Machines",
    "5": "Storage",
    "6": "Relational Database Services",
    "7": "Kubernetes Engine",
    "8": "Security Center",
}


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    level: str  # L1 | L2 (profile)
    assessment: str  # Automated | Manual (as the benchmark marks it)
    guidance: str  # what to look at in the console, and why, when no check decides it

    @property
    def section(self) -> str:
        return SECTIONS[self.id.split(".", 1)[0]]


_A, _M = "Automated", "Manual"
_SLS_ALERT = ("Log Service console > the project the ActionTrail trail delivers to > Alerts: confirm an enabled "
              "alert rule whose query on the actiontrail logstore matches {events}, with a notification channel "
              "that reaches the security team; without it such changes go unnoticed.")

REQUIREMENTS: tuple[Requirement, ...] = (
    # 1 Identity and Access Management
    Requirement("1.1", "Avoid the use of the root account", "L1", _M,
                "ActionTrail delivers all action logs to Log Service, and an alert notifies on usage of the root "
                "account (the audit of 2.18, which this one implements); daily work is done by RAM users or roles, "
                "because root access cannot be limited or attributed."),
    Requirement("1.2", "Ensure no root account access key exists", "L1", _M,
                "Sign in as the root account > AccessKey management: there must be no AccessKey; a root AccessKey "
                "gives unrestricted API access that no policy can narrow."),
    Requirement("1.3", "Ensure MFA is enabled for the root account", "L1", _M,
                "Sign in as the root account > Security Settings: a virtual or hardware MFA device must be bound, "
                "so a leaked root password alone cannot take over the account."),
    Requirement("1.4", "Ensure that multi-factor authentication is enabled for all RAM users that have a console "
                "password", "L1", _A,
                "RAM console > Users: for every user with console logon enabled, the MFA Device column must show a "
                "bound device; a password alone can be phished or guessed."),
    Requirement("1.5", "Ensure users not logged on for 90 days or longer are disabled for console logon", "L1", _A,
                "RAM console > Users: sort by Last Logon; users with console logon and no logon for 90 days should "
                "have console logon disabled, since dormant logins go unmonitored."),
    Requirement("1.6", "Ensure access keys are rotated every 90 days or less", "L1", _A,
                "RAM console > Users > each user > AccessKey: every active key should be younger than 90 days; "
                "rotate older ones (create new, switch, disable and delete the old) to limit the use of a leaked key."),
    Requirement("1.7", "Ensure RAM password policy requires at least one uppercase letter", "L1", _A,
                "RAM console > Settings > Security Settings > Password Strength: 'uppercase letters' must be "
                "required, to keep passwords hard to guess."),
    Requirement("1.8", "Ensure RAM password policy requires at least one lowercase letter", "L1", _A,
                "RAM console > Settings > Security Settings > Password Strength: 'lowercase letters' must be "
                "required."),
    Requirement("1.9", "Ensure RAM password policy require at least one symbol", "L1", _A,
                "RAM console > Settings > Security Settings > Password Strength: 'symbols' must be required."),
    Requirement("1.10", "Ensure RAM password policy require at least one number", "L1", _A,
                "RAM console > Settings > Security Settings > Password Strength: 'digits' must be required."),
    Requirement("1.11", "Ensure RAM password policy requires minimum length of 14 or greater", "L1", _A,
                "RAM console > Settings > Security Settings > Password Strength: the minimum length must be 14 or "
                "more; length is the strongest defence against guessing."),
    Requirement("1.12", "Ensure RAM password policy prevents password reuse", "L1", _A,
                "RAM console > Settings > Security Settings > Password Strength: 'Password history check' must "
                "remember at least the last 5 passwords, so old (possibly leaked) passwords cannot come back."),
    Requirement("1.13", "Ensure RAM password policy expires passwords in 365 days or greater", "L1", _A,
                "RAM console > Settings > Security Settings > Password Strength: the validity period must be 365 "
                "days or more (v2.0.0 discourages frequent forced changes, which lead to weaker passwords)."),
    Requirement("1.14", "Ensure RAM password policy temporarily blocks logon after 5 incorrect logon attempts "
                "within an hour", "L1", _A,
                "RAM console > Settings > Security Settings > Password Strength: 'Password retry constraint' must "
                "lock logon after at most 5 wrong passwords within an hour, to stop online guessing."),
    Requirement("1.15", "Ensure RAM policies that allow full *:* administrative privileges are not created", "L1", _A,
                "RAM console > Permissions > Policies, type Custom: open each policy document; none may Allow "
                "Action '*' on Resource '*'. Grant AdministratorAccess deliberately to few identities instead."),
    Requirement("1.16", "Ensure RAM policies are attached only to groups or roles", "L1", _A,
                "RAM console > Users > each user > Permissions: there should be no directly attached policies; "
                "grant through groups or roles so permissions stay reviewable."),
    # 2 Logging and Monitoring
    Requirement("2.1", "Ensure that ActionTrail are configured to export copies of all Log entries", "L1", _A,
                "ActionTrail console > Trails: at least one enabled trail must apply to all regions, record read "
                "and write events and deliver to OSS or Log Service, so every API call is kept."),
    Requirement("2.2", "Ensure the OSS used to store ActionTrail logs is not publicly accessible", "L1", _A,
                "ActionTrail console > the trail's OSS bucket > OSS console > Permission Control: ACL private (the "
                "audit's test), no bucket policy granting anonymous access, Block Public Access on; public audit "
                "logs reveal the account's activity."),
    Requirement("2.3", "Ensure audit logs for multiple cloud resources are integrated with Log Service", "L1", _M,
                "Log Service console > Log Audit Service > Global Configurations: log collection must be enabled "
                "for ActionTrail, OSS, RDS, SLB, API Gateway and the other products in use, so their audit logs "
                "are centralized and retained."),
    Requirement("2.4", "Ensure Log Service is enabled for Container Service for Kubernetes", "L1", _M,
                "Container Service console > each cluster > Cluster Information / Add-ons: the Log Service "
                "components (logtail-ds or loongcollector) and the API-server audit log project must be enabled, "
                "or cluster activity is not recorded."),
    Requirement("2.5", "Ensure virtual network flow log service is enabled", "L1", _M,
                "VPC console > Flow Logs: every VPC (or its vSwitches / ENIs) should have an active flow log to a "
                "Log Service logstore, to investigate traffic after an incident."),
    Requirement("2.6", "Ensure Anti-DDoS access and security log service is enabled", "L2", _M,
                "Anti-DDoS Pro/Premium console > Investigation > Log Analysis: log analysis must be activated and "
                "enabled for every protected website, so attacks and access can be analysed."),
    Requirement("2.7", "Ensure Web Application Firewall access and security log service is enabled", "L2", _M,
                "WAF console > Detection and Response > Log Service: log collection must be enabled for every "
                "protected object, to keep evidence of web attacks."),
    Requirement("2.8", "Ensure Cloud Firewall access and security log analysis is enabled", "L2", _M,
                "Cloud Firewall console > Log Audit > Log Analysis: log analysis must be enabled, so traffic and "
                "policy hits can be reviewed."),
    Requirement("2.9", "Ensure Security Center Network, Host and Security log analysis is enabled", "L2", _M,
                "Security Center console > Risk Governance > Log Analysis: the service must be activated and "
                "every host, network and security log type delivered, so incidents can be investigated."),
    Requirement("2.10", "Ensure log monitoring and alerts are set up for RAM Role changes", "L1", _M,
                _SLS_ALERT.format(events="Ram/ResourceManager CreatePolicy, DeletePolicy, CreatePolicyVersion, "
                                         "UpdatePolicyVersion, SetDefaultPolicyVersion and DeletePolicyVersion")),
    Requirement("2.11", "Ensure log monitoring and alerts are set up for Cloud Firewall changes", "L2", _M,
                _SLS_ALERT.format(events="Cloudfw Create/Modify/DeleteVpcFirewallControlPolicy")),
    Requirement("2.12", "Ensure log monitoring and alerts are set up for VPC network route changes", "L1", _M,
                _SLS_ALERT.format(events="Vpc/Ecs Create/Modify/DeleteRouteEntry and (Un)AssociateRouteTable")),
    Requirement("2.13", "Ensure log monitoring and alerts are set up for VPC changes", "L1", _M,
                _SLS_ALERT.format(events="CreateVpc, DeleteVpc, Enable/DisableVpcClassicLink, "
                                         "(Un)AssociateVpcCidrBlock, RevokeInstanceFromCen and Create/DeleteVSwitch")),
    Requirement("2.14", "Ensure log monitoring and alerts are set up for OSS permission changes", "L1", _M,
                "Log Service console > the project holding OSS access logs (oss_log) > Alerts: confirm an enabled "
                "alert on PutBucket with the acl sub-resource and on PutObjectAcl, so ACL changes that may expose "
                "data are noticed."),
    Requirement("2.15", "Ensure log monitoring and alerts are set up for RDS instance configuration changes", "L1", _M,
                _SLS_ALERT.format(events="rds ModifySecurityIps, ModifyDBInstanceSSL, Allocate/ReleaseInstance"
                                         "PublicConnection, ModifyBackupPolicy, DeleteBackup and the other "
                                         "configuration-change APIs")),
    Requirement("2.16", "Ensure a log monitoring and alerts are set up for unauthorized API calls", "L1", _M,
                _SLS_ALERT.format(events="error codes NoPermission*, Forbidden*, InvalidAccessKeyId*, "
                                         "InvalidSecurityToken*, SignatureDoesNotMatch and similar")),
    Requirement("2.17", "Ensure a log monitoring and alerts are set up for Management Console sign-in without MFA",
                "L1", _M, _SLS_ALERT.format(events="ConsoleSignin events where MFA was not used")),
    Requirement("2.18", "Ensure a log monitoring and alerts are set up for usage of root account", "L1", _M,
                _SLS_ALERT.format(events="events with userIdentity.type = root-account (console sign-in and "
                                         "AccessKey use)")),
    Requirement("2.19", "Ensure a log monitoring and alerts are set up for Management Console authentication "
                "failures", "L2", _M, _SLS_ALERT.format(events="ConsoleSignin events that carry an errorCode")),
    Requirement("2.20", "Ensure a log monitoring and alerts are set up for disabling or deletion of customer created "
                "CMKs", "L2", _M, _SLS_ALERT.format(events="Kms DisableKey, ScheduleKeyDeletion and "
                                                          "DeleteKeyMaterial")),
    Requirement("2.21", "Ensure a log monitoring and alerts are set up for OSS bucket policy changes", "L1", _M,
                _SLS_ALERT.format(events="Put/DeleteBucketPolicy, Cors, Lifecycle, Encryption and Replication")),
    Requirement("2.22", "Ensure a log monitoring and alerts are set up for security group changes", "L2", _M,
                _SLS_ALERT.format(events="Create/Delete/Join/LeaveSecurityGroup, Authorize/RevokeSecurityGroup"
                                         "(Egress) and ModifySecurityGroupPolicy")),
    Requirement("2.23", "Ensure that Logstore data retention period is set 365 days or greater", "L2", _M,
                "Log Service console > each project > Logstores > Modify: the data retention of logstores that "
                "hold audit or security logs must be 365 days or permanent, so old incidents can be investigated."),
    # 3 Networking
    Requirement("3.1", "Ensure legacy networks does not exist", "L1", _M,
                "ECS console > Instances: the Network Type column must show VPC for every instance; classic network "
                "instances share a flat network with other tenants' traffic controls only."),
    Requirement("3.2", "Ensure that SSH access is restricted from the internet", "L2", _M,
                "ECS console > Security Groups > each group > Inbound rules: no Allow rule may open TCP 22 or 3389 "
                "to 0.0.0.0/0, whatever Drop rules say (and none to ::/0 either); use a bastion host or specific "
                "source ranges."),
    Requirement("3.3", "Ensure VPC flow logging is enabled in all VPCs", "L2", _M,
                "VPC console > Flow Logs: every VPC must have an active flow log, so traffic can be reviewed."),
    Requirement("3.4", "Ensure routing tables for VPC peering are least access", "L1", _M,
                "VPC console > Route Tables (and CEN / VPC peering connections): routes to a peer VPC should cover "
                "only the CIDR blocks that must communicate, not the whole peer network, to limit lateral movement."),
    Requirement("3.5", "Ensure the security group are configured with fine grained rules", "L1", _M,
                "ECS console > Security Groups > each group > Rules: rules should name specific ports, protocols and "
                "source ranges; review any rule allowing all ports, all protocols or 0.0.0.0/0."),
    # 4 Virtual Machines
    Requirement("4.1", "Ensure that 'Unattached disks' are encrypted", "L1", _M,
                "ECS console > Block Storage > Disks, status Unattached: the Encrypted column must be Yes; data on "
                "detached disks is otherwise readable by whoever attaches them."),
    Requirement("4.2", "Ensure that Virtual Machines disk are encrypted", "L1", _M,
                "ECS console > Block Storage > Disks, status In Use: system and data disks must be encrypted."),
    Requirement("4.3", "Ensure no security groups allow ingress from 0.0.0.0/0 to port 22", "L1", _M,
                "ECS console > Security Groups > Inbound rules: no Allow rule may cover port 22 from 0.0.0.0/0 "
                "(nor ::/0), since SSH exposed to the internet is brute-forced constantly."),
    Requirement("4.4", "Ensure no security groups allow ingress from 0.0.0.0/0 to port 3389", "L1", _M,
                "ECS console > Security Groups > Inbound rules: no Allow rule may cover port 3389 (RDP) from "
                "0.0.0.0/0 (nor ::/0)."),
    Requirement("4.5", "Ensure that the latest OS Patches for all Virtual Machines are applied", "L1", _M,
                "Security Center console > Risk Governance > Vulnerabilities: no Linux software or Windows system "
                "vulnerability should stay unfixed on any server; known OS flaws are the easiest way in."),
    Requirement("4.6", "Ensure that the endpoint protection for all Virtual Machines is installed", "L1", _M,
                "Security Center console > Assets > Host: every ECS instance must have the agent installed; install "
                "it where it is missing so the server gets intrusion detection and virus blocking (and keep it "
                "online: 8.2)."),
    # 5 Storage
    Requirement("5.1", "Ensure that OSS bucket is not anonymously or publicly accessible", "L1", _A,
                "OSS console > each bucket > Permission Control: ACL private and no bucket policy statement granting "
                "anonymous ('*') access, whatever its conditions; Block Public Access on (bucket and account) as "
                "well."),
    Requirement("5.2", "Ensure that there are no publicly accessible objects in storage buckets", "L1", _M,
                "OSS console > each bucket > Objects: look for object ACLs of public-read or public-read-write "
                "(or turn on Block Public Access, which overrides them); single public objects leak data."),
    Requirement("5.3", "Ensure that logging is enabled for OSS buckets", "L1", _A,
                "OSS console > each bucket > Logging: access logging must be enabled to a log bucket, to trace "
                "who read or changed data."),
    Requirement("5.4", "Ensure that 'Secure transfer required' is set to 'Enabled'", "L1", _A,
                "OSS console > each bucket > Bucket Policy: a statement must Deny requests where "
                "acs:SecureTransport is false, so data never travels over plain HTTP."),
    Requirement("5.5", "Ensure that the shared URL signature expires within an hour", "L1", _M,
                "OSS has no bucket setting for signed-URL lifetime: review the applications and scripts that sign "
                "OSS URLs (Expires / x-oss-expires) and keep the lifetime at 3600 seconds or less, since a leaked "
                "signed URL works until it expires."),
    Requirement("5.6", "Ensure that URL signature is allowed only over https", "L1", _M,
                "Review the code that generates signed URLs: it must produce https URLs; enforce it with a bucket "
                "policy that denies acs:SecureTransport = false, so signed requests cannot travel in clear text."),
    Requirement("5.7", "Ensure network access rule for storage bucket is not set to publicly accessible", "L2", _A,
                "OSS console > each bucket > Bucket Policy: a policy must limit access to known networks (Allow "
                "statements conditioned on acs:SourceIp or acs:SourceVpc, never 0.0.0.0/0); a bucket without one "
                "('Not set', the default) does not comply."),
    Requirement("5.8", "Ensure server-side encryption is set to Encrypt with Service Key", "L2", _M,
                "OSS console > each bucket > Server-side Encryption: set to KMS (or OSS-managed AES256) so data at "
                "rest is encrypted by default."),
    Requirement("5.9", "Ensure server-side encryption is set to Encrypt with BYOK", "L2", _M,
                "OSS console > each bucket > Server-side Encryption: KMS with a customer master key you created "
                "(a KMS key ID set, not the service key), so you control the key's lifecycle and access."),
    # 6 Relational Database Services
    Requirement("6.1", "Ensure that RDS instance requires all incoming connections to use SSL", "L1", _A,
                "RDS console > each instance > Data Security > SSL: SSL must be enabled (and, where the engine "
                "allows, forced), so database traffic is encrypted."),
    Requirement("6.2", "Ensure that RDS Instances are not open to the world", "L1", _A,
                "RDS console > each instance > Whitelist Settings: no whitelist, nor any whitelist template linked "
                "to the instance (RDS console > Whitelist Template), may contain 0.0.0.0/0 or 0.0.0.0; allow only "
                "the application networks."),
    Requirement("6.3", "Ensure that 'Auditing' is set to 'On' for applicable database instances", "L2", _A,
                "RDS console > each instance > SQL Explorer (SQL audit): auditing must be enabled, to record who "
                "ran what on the database (MySQL, PostgreSQL, SQL Server; SQL Explorer is not offered for MariaDB)."),
    Requirement("6.4", "Ensure that 'Auditing' Retention is 'greater than 6 months'", "L1", _A,
                "RDS console > each instance > SQL Explorer > Service Settings: retention must be more than 180 days "
                "(settable for MySQL; RDS keeps PostgreSQL and SQL Server logs a fixed 30 days: keep the trail "
                "elsewhere)."),
    Requirement("6.5", "Ensure that 'TDE' is set to 'Enabled' on for applicable database instance", "L1", _A,
                "RDS console > each instance > Data Security > TDE: TDE must be enabled, so data files and backups "
                "are encrypted at rest (SQL Server: then encrypt each database with Configure TDE)."),
    Requirement("6.6", "Ensure RDS instance TDE protector is encrypted with BYOK (Use your own key)", "L2", _A,
                "RDS console > each instance > Data Security > TDE: the key must be a customer-managed KMS key, "
                "not the service-generated one."),
    Requirement("6.7", "Ensure parameter 'log_connections' is set to 'ON' for PostgreSQL Database", "L1", _A,
                "RDS console > each PostgreSQL instance > Parameters: log_connections must be on, to record every "
                "connection attempt."),
    Requirement("6.8", "Ensure server parameter 'log_disconnections' is set to 'ON' for PostgreSQL Database Server",
                "L1", _A, "RDS console > each PostgreSQL instance > Parameters: log_disconnections must be on, to "
                          "record session ends and durations."),
    Requirement("6.9", "Ensure server parameter 'log_duration is set to 'ON' for PostgreSQL Database Server", "L1",
                _A, "RDS console > each PostgreSQL instance > Parameters: log_duration must be on, to record how long "
                    "each statement ran (abnormal queries stand out)."),
    # 7 Kubernetes Engine
    Requirement("7.1", "Ensure Log Service is set to Enabled on Kubernetes Engine Clusters", "L1", _A,
                "Container Service console > each cluster > Add-ons: the Log Service component (logtail-ds or "
                "loongcollector) must be installed, and API-server audit logs delivered to Log Service."),
    Requirement("7.2", "Ensure CloudMonitor is set to Enabled on Kubernetes Engine Clusters", "L1", _A,
                "Container Service console > each cluster > Node Pools: CloudMonitor must be enabled on the nodes "
                "(CloudMonitor console shows the agent running), to watch node health."),
    Requirement("7.3", "Ensure role-based access control (RBAC) authorization is Enabled on Kubernetes Engine "
                "Clusters", "L1", _A,
                "Container Service console > Authorizations: access must be granted through RBAC roles per RAM "
                "user or role; legacy ABAC or cluster-wide admin kubeconfigs defeat least privilege."),
    Requirement("7.4", "Ensure Cluster Check triggered at least once per week for Kubernetes Clusters", "L1", _A,
                "Container Service console > each cluster > Inspections / Cluster Check: a check must have run "
                "within the last 7 days (schedule it), to catch configuration drift."),
    Requirement("7.5", "Ensure Kubernetes web UI / Dashboard is not enabled", "L1", _A,
                "Container Service console > each cluster > Add-ons: kubernetes-dashboard must not be installed; "
                "the dashboard has been a common way into clusters."),
    Requirement("7.6", "Ensure Basic Authentication is not enabled on Kubernetes Engine Clusters", "L1", _A,
                "No Alibaba Cloud API reports it: for dedicated (self-managed master) clusters, check on each master "
                "that kube-apiserver runs without --basic-auth-file / --token-auth-file; managed and serverless "
                "clusters do not offer basic authentication."),
    Requirement("7.7", "Ensure Network policy is enabled on Kubernetes Engine Clusters", "L1", _A,
                "Container Service console > each cluster > Basic Information: the network plug-in must be Terway "
                "(the audit's test); enable its NetworkPolicy support too, so pod-to-pod traffic can be restricted."),
    Requirement("7.8", "Ensure ENI multiple IP mode support for Kubernetes Cluster", "L1", _A,
                "Container Service console > each cluster > Basic Information: the network plug-in must be Terway "
                "(the audit's test), preferably in ENI multiple-IP (terway-eniip) mode."),
    Requirement("7.9", "Ensure Kubernetes Cluster is created with Private cluster enabled", "L1", _A,
                "Container Service console > each cluster > Basic Information: the API server must have no public "
                "endpoint (no EIP bound); expose it through a bastion or VPN instead."),
    # 8 Security Center
    Requirement("8.1", "Ensure that Security Center is Advanced or Enterprise Edition", "L2", _A,
                "Security Center console > Overview: the subscription edition must be Advanced, Enterprise or "
                "Ultimate; pay-as-you-go host protection is bound server by server, so check each server's binding; "
                "lower editions lack most detection and response."),
    Requirement("8.2", "Ensure that all assets are installed with security agent", "L2", _A,
                "Security Center console > Assets > Host: filter on agent status Offline / Not installed, including "
                "servers outside Alibaba Cloud; every asset needs an online agent."),
    Requirement("8.3", "Ensure that Automatic Quarantine is enabled", "L2", _M,
                "Security Center console > Host Protection Settings > Proactive Defense: Anti-virus (automatic "
                "blocking and quarantine) must be on, so known malware is stopped without waiting for a human."),
    Requirement("8.4", "Ensure that Webshell detection is enabled on all web servers", "L1", _M,
                "Security Center console > Host Protection Settings > Proactive Defense: Webshell Protection must be "
                "on, and every web server must have an online agent."),
    Requirement("8.5", "Ensure that notification is enabled on all high risk items", "L1", _A,
                "Security Center console > System Settings > Notification Settings: vulnerabilities, urgent "
                "vulnerabilities, baseline risks, alerts, AccessKey leaks and configuration assessment must each "
                "have a notification method."),
    Requirement("8.6", "Ensure that Config Assessment is granted with privilege", "L1", _M,
                "Security Center console > Cloud Security Posture Management: the page must not ask to Authorize "
                "(the AliyunServiceRoleForSasCspm service-linked role exists), or cloud configurations are not "
                "assessed."),
    Requirement("8.7", "Ensure that scheduled vulnerability scan is enabled on all servers", "L1", _A,
                "Security Center console > Vulnerabilities > Vulnerability Management Settings: Linux software, "
                "Windows system, Web-CMS and urgent vulnerability scans on, with high and medium levels selected."),
    Requirement("8.8", "Ensure that Asset Fingerprint automatically collects asset fingerprint data", "L1", _M,
                "Security Center console > System Settings > Asset Fingerprints: every fingerprint type (ports, "
                "processes, accounts, software, scheduled tasks, middleware, startup items, kernel modules, "
                "websites) must be collected at least once a day."),
)
