/*
 * inspect: what dockerd would read from a request body, and what we refuse
 * to guess about.  Each row is a route action and a body as a client sends
 * it, then either the facts the policy will judge, rendered as one line, or
 * "!" and a part of the 400 reason.
 *
 * Bodies are written with ' for " to keep the tables legible (no body here
 * needs a real apostrophe); C escapes still apply, so "\\u0042" is the JSON
 * escape \u0042 and "\xff" is a raw byte.  Facts render as:
 *   bind:/p mount:/p volopt:/p volcreate:/p service:/p   host paths by origin
 *   image= privileged net= pid= ipc= uts= userns= cgroupns=
 *   cap= secopt= volfrom= link=  devices=N devreq=N cgrules=N sysctls=N
 *   label:k=v name= driver= container=
 *   masked=N rodefaults=N  (lists that drop one of dockerd's defaults)
 *   ro (after a read-only host path)  secrets=N configs=N svcnet=T
 *   selinux-disable selinux= seccomp= apparmor=  (service Privileges)
 * with bytes outside '!'..'~' as \xHH.  "" is no facts at all.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "inspect.h"
#include "test.h"

#define CREATE ACT_CONTAINER_CREATE
#define START ACT_CONTAINER_START
#define UPDATE ACT_CONTAINER_UPDATE
#define VOLUME ACT_VOLUME_CREATE
#define NETWORK ACT_NETWORK_CREATE
#define CONNECT ACT_NETWORK_CONNECT
#define DISCONNECT ACT_NETWORK_DISCONNECT
#define SERVICE ACT_SERVICE_CREATE
#define SERVICE_UPDATE ACT_SERVICE_UPDATE

struct row {
	enum route_action action;
	const char *body;
	const char *want; /* rendered facts, or "!" + part of the reason */
};

static const struct row rows[] = {
	/* ---- docker run: the plain shapes ---- */
	{ CREATE, "{'Image':'alpine'}", "image=alpine" },
	{ CREATE, "{'Image':'alpine','HostConfig':{'Binds':['/var/run/docker.sock:/s']}}",
	  "bind:/var/run/docker.sock image=alpine" },
	{ CREATE, "{'Image':'alpine','Cmd':['sh'],'Env':['A=1'],'HostConfig':{'Binds':['/var/run/docker.sock:/s:ro'],'NetworkMode':'default'}}",
	  "bind:/var/run/docker.sock ro image=alpine net=default" },

	/* ---- keys: case, escapes and Unicode folding all reach the field ---- */
	{ CREATE, "{'HostConfig':{'binds':['/:/h']}}", "bind:/" },
	{ CREATE, "{'hostconfig':{'BINDS':['/:/h']}}", "bind:/" },
	{ CREATE, "{'HOSTCONFIG':{'\\u0042inds':['/:/h']}}", "bind:/" },
	{ CREATE, "{'\\u0048ost\\u0043onfig':{'bInDs':['/:/h']}}", "bind:/" },
	{ CREATE, "{'Ho\\u017ftConfig':{'Bind\\u017f':['/:/h']}}", "bind:/" },
	{ CREATE, "{'HostConfig':{'Bind\xc5\xbf':['/:/h']}}", "bind:/" },      /* raw U+017F */
	{ CREATE, "{'HostConfig':{'Lin\\u212as':['proxy:p']}}", "link=proxy:p" }, /* Kelvin sign */
	{ CREATE, "{'Networ\xe2\x84\xaaMode':'host'}", "net=host" },            /* raw U+212A */
	{ CREATE, "{'PRIVILEGED':true}", "privileged" },
	{ CREATE, "{'privileged':true}", "privileged" },
	/* dotless i and a fullwidth letter fold to no ASCII letter: unknown keys */
	{ CREATE, "{'B\\u0131nds':['/:/h']}", "" },
	{ CREATE, "{'\\uff22inds':['/:/h']}", "" },

	/* ---- escapes in values are decoded as dockerd decodes them ---- */
	{ CREATE, "{'Binds':['\\/var\\/run\\/docker.sock:/s']}", "bind:/var/run/docker.sock" },
	{ CREATE, "{'Binds':['/var/run/docker\\u002esock:/s']}", "bind:/var/run/docker.sock" },
	{ CREATE, "{'Binds':['\\u002f:/h']}", "bind:/" },
	{ CREATE, "{'Binds':['/tmp/x\\u0000/../../var/run/docker.sock:/s']}",
	  "bind:/tmp/x\\x00/../../var/run/docker.sock" },
	{ CREATE, "{'Image':'\\ud83d\\ude00\\t'}", "image=\\xf0\\x9f\\x98\\x80\\x09" },

	/* ---- a key given twice: refused, exactly or in another spelling ---- */
	{ CREATE, "{'Binds':['/a:/a'],'Binds':['/b:/b']}", "!ambiguous body: key \"Binds\" given twice" },
	{ CREATE, "{'Binds':[],'binds':['/:/h']}", "!ambiguous body: key \"Binds\" given twice" },
	{ CREATE, "{'Bind\\u017f':[],'Binds':['/:/h']}", "!ambiguous body" },
	{ CREATE, "{'\\u0042inds':[],'Binds':['/:/h']}", "!ambiguous body" },
	{ CREATE, "{'HostConfig':{'Privileged':false,'PRIVILEGED':true}}", "!key \"Privileged\" given twice" },
	{ CREATE, "{'HostConfig':{},'hostConfig':{'Privileged':true}}", "!key \"HostConfig\" given twice" },
	{ CREATE, "{'Image':'a','image':'b'}", "!ambiguous body" },
	/* objects we do not read are structs to Go too */
	{ CREATE, "{'Foo':1,'fOO':2}", "!ambiguous body" },
	{ CREATE, "{'NetworkingConfig':{'EndpointsConfig':{'n':{'Aliases':[],'aliases':[]}}}}", "!ambiguous body" },
	{ CREATE, "{'Healthcheck':{'Test':['x']},'x':[{'a':1,'A':2}]}", "!ambiguous body" },
	/* maps: exact keys, so only an exact repeat is one */
	{ CREATE, "{'Labels':{'a':'1','a':'2'}}", "!ambiguous body: key \"a\" given twice" },
	{ CREATE, "{'Labels':{'a':'1','\\u0061':'2'}}", "!ambiguous body" },
	{ CREATE, "{'Labels':{'a':'1','A':'2'}}", "label:a=1 label:A=2" },
	{ CREATE, "{'Labels':{'s':'1','\\u017f':'2'}}", "label:s=1 label:\\xc5\\xbf=2" },
	{ CREATE, "{'Labels':{'a':null,'b':''}}", "label:a= label:b=" },
	{ CREATE, "{'HostConfig':{'Sysctls':{'k':'1','K':'2'}}}", "sysctls=2" },
	{ CREATE, "{'HostConfig':{'Sysctls':{'k':'1','k':'2'}}}", "!ambiguous body" },

	/* ---- HostConfig fields at the top level (deprecated, honoured) ---- */
	{ CREATE, "{'Image':'x','Binds':['/:/h'],'Privileged':true}", "bind:/ image=x privileged" },
	{ CREATE, "{'HostConfig':null,'Binds':['/:/h']}", "bind:/" },
	{ CREATE, "{'HostConfig':{},'Binds':['/:/h']}", "bind:/" },
	{ CREATE, "{'HostConfig':{'Binds':['/a:/a']},'Binds':['/b:/b']}", "bind:/a bind:/b" },
	{ CREATE, "{'Mounts':[{'Type':'bind','Source':'/run'}]}", "mount:/run" },
	{ CREATE, "{'Privileged':true,'HostConfig':{'Privileged':false}}", "privileged" },
	{ CREATE, "{'Privileged':false,'HostConfig':{'Privileged':true}}", "privileged" },
	{ CREATE, "{'NetworkMode':'bridge','HostConfig':{'NetworkMode':'host'}}",
	  "!ambiguous body: NetworkMode given twice with different values" },
	{ CREATE, "{'PidMode':'','HostConfig':{'PidMode':'host'}}", "!ambiguous body" },
	{ CREATE, "{'NetworkMode':'host','HostConfig':{'NetworkMode':'host'}}", "net=host" },
	{ CREATE, "{'CapAdd':['A'],'HostConfig':{'CapAdd':['B']}}", "cap=A cap=B" },
	{ CREATE, "{'Devices':[{}],'HostConfig':{'Devices':[{},{}]}}", "devices=3" },

	/* ---- every HostConfig field we read ---- */
	{ CREATE,
	  "{'HostConfig':{'PidMode':'host','IpcMode':'host','UTSMode':'host','UsernsMode':'host',"
	  "'CgroupnsMode':'host','CapAdd':['SYS_ADMIN','NET_ADMIN'],'SecurityOpt':['seccomp=unconfined'],"
	  "'VolumesFrom':['other:ro'],'Links':['db:db'],'Devices':[{'PathOnHost':'/dev/sda'}],"
	  "'DeviceRequests':[{},{}],'DeviceCgroupRules':['c 1:3 mr'],'Sysctls':{'net.ipv4.ip_forward':'1'}}}",
	  "pid=host ipc=host uts=host userns=host cgroupns=host cap=SYS_ADMIN cap=NET_ADMIN "
	  "secopt=seccomp=unconfined volfrom=other:ro link=db:db devices=1 devreq=2 cgrules=1 sysctls=1" },
	{ CREATE, "{'HostConfig':{'NetworkMode':'container:proxy','IpcMode':'container:proxy'}}",
	  "net=container:proxy ipc=container:proxy" },
	/* CapAdd is a StrSlice in most dockerd releases: one string is a list of one */
	{ CREATE, "{'HostConfig':{'CapAdd':'SYS_ADMIN'}}", "cap=SYS_ADMIN" },
	{ CREATE, "{'HostConfig':{'CapAdd':[null,'ALL']}}", "cap=ALL" },
	{ CREATE, "{'HostConfig':{'SecurityOpt':'apparmor=unconfined'}}", "!invalid type for SecurityOpt" },

	/* ---- Binds: host paths, and their benign look-alikes ---- */
	{ CREATE, "{'Binds':['myvol:/data']}", "" },
	{ CREATE, "{'Binds':['/data']}", "" },
	{ CREATE, "{'Binds':['docker.sock:/s']}", "" },
	{ CREATE, "{'Binds':['var/run/docker.sock:/s']}", "" },
	{ CREATE, "{'Binds':['/var/lib/data:/d']}", "bind:/var/lib/data" },
	{ CREATE, "{'Binds':['/var/runner:/d','/run-foo:/e:ro']}", "bind:/var/runner bind:/run-foo ro" },
	{ CREATE, "{'Binds':['/a:/b:ro:extra']}", "bind:/a" },
	{ CREATE, "{'Binds':[':/x']}", "" },
	{ CREATE, "{'Binds':[null,'/:/h']}", "bind:/" },
	{ CREATE, "{'Binds':['/var/run/docker.sock:/s','v:/v','/:/h','/x']}", "bind:/var/run/docker.sock bind:/" },

	/* ---- Mounts ---- */
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'bind','Source':'/var/run','Target':'/r'}]}}", "mount:/var/run" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'BIND','Source':'/'}]}}", "mount:/" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'Bind','Source':'/'}]}}", "mount:/" },
	{ CREATE, "{'HostConfig':{'mounts':[{'type':'bind','SOURCE':'/'}]}}", "mount:/" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'b\\u0069nd','Source':'\\/'}]}}", "mount:/" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'bind','Source':'/a'},null,{'Type':'bind','Source':'/b'}]}}",
	  "mount:/a mount:/b" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'bind','Source':'/a','source':'/b'}]}}", "!ambiguous body" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','Source':'v','Target':'/v'}]}}", "" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'tmpfs','Target':'/t'}]}}", "" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','Source':'v','Target':'/v','VolumeOptions':"
		  "{'DriverConfig':{'Name':'local','Options':{'type':'none','o':'bind','device':'/var/run'}}}}]}}",
	  "volopt:/var/run" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Options':{'o':'rbind,ro','device':'/'}}}}]}}",
	  "volopt:/" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Name':'','Options':{'type':'none','device':'var/run'}}}}]}}",
	  "volopt:var/run" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Name':'LOCAL','Options':{'o':'ro, bind','type':'ext4','device':'/'}}}}]}}",
	  "volopt:/" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','volumeoptions':{'driverconfig':"
		  "{'name':'local','options':{'type':'bind','device':'/run'}}}}]}}",
	  "volopt:/run" },
	/* a plugin driver reads its own options: not a host path of ours */
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Name':'nfs-plugin','Options':{'type':'none','o':'bind','device':'/'}}}}]}}",
	  "" },
	/* the local driver reads "type", "o", "device" by exact key */
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Options':{'o':'bind','Device':'/'}}}}]}}",
	  "" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Options':{'o':'bind','o':'ro','device':'/'}}}}]}}",
	  "!ambiguous body: key \"o\" given twice" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Options':{'type':'ext4','o':'ro','device':'/dev/sda1'}}}}]}}",
	  "" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Options':{'type':'none','o':'bind','device':''}}}}]}}",
	  "" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Type':'volume','VolumeOptions':{'DriverConfig':"
		  "{'Options':{'type':'tmpfs','o':'size=1m,bindx','device':'tmpfs'}}}}]}}",
	  "" },

	/* ---- wrong types for fields we read: dockerd refuses, so do we ---- */
	{ CREATE, "{'Privileged':'true'}", "!invalid type for Privileged" },
	{ CREATE, "{'HostConfig':{'Privileged':1}}", "!invalid type for Privileged" },
	{ CREATE, "{'Binds':'/:/h'}", "!invalid type for Binds" },
	{ CREATE, "{'Binds':[1]}", "!invalid type for Binds" },
	{ CREATE, "{'Binds':[['/:/h']]}", "!invalid type for Binds" },
	{ CREATE, "{'HostConfig':{'Mounts':{}}}", "!invalid type for Mounts" },
	{ CREATE, "{'HostConfig':{'Mounts':['bind']}}", "!invalid type for Mounts" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'Source':5}]}}", "!invalid type for Source" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'VolumeOptions':[]}]}}", "!invalid type for VolumeOptions" },
	{ CREATE, "{'HostConfig':{'Mounts':[{'VolumeOptions':{'DriverConfig':{'Options':{'device':5}}}}]}}",
	  "!invalid type for Options" },
	{ CREATE, "{'Image':5}", "!invalid type for Image" },
	{ CREATE, "{'HostConfig':[]}", "!invalid type for HostConfig" },
	{ CREATE, "{'HostConfig':'x'}", "!invalid type for HostConfig" },
	{ CREATE, "{'Labels':{'a':1}}", "!invalid type for Labels" },
	{ CREATE, "{'Labels':['a=b']}", "!invalid type for Labels" },
	{ CREATE, "{'Devices':{}}", "!invalid type for Devices" },
	{ CREATE, "{'NetworkMode':['host']}", "!invalid type for NetworkMode" },
	{ CREATE, "{'Sysctls':{'a':true}}", "!invalid type for Sysctls" },
	/* null is "absent" for every field */
	{ CREATE, "{'Binds':null,'Privileged':null,'HostConfig':null,'Mounts':null,'Labels':null,"
		  "'CapAdd':null,'Image':null,'Devices':null,'Sysctls':null,'NetworkMode':null}",
	  "" },
	/* fields we do not read may hold anything */
	{ CREATE, "{'Env':['A=1'],'Cmd':'sh','Foo':{'x':[1,2,{'y':null}]},'Volumes':{'/v':{}},"
		  "'NetworkingConfig':{'EndpointsConfig':{'n':{}}}}",
	  "" },

	/* ---- invalid JSON, in the ways jsmn alone would let pass ---- */
	{ CREATE, "{'a':tru}", "!invalid JSON" },
	{ CREATE, "{'a':truex}", "!invalid JSON" },
	{ CREATE, "{'a':nul}", "!invalid JSON" },
	{ CREATE, "{'a':01}", "!invalid JSON" },
	{ CREATE, "{'a':-}", "!invalid JSON" },
	{ CREATE, "{'a':1.}", "!invalid JSON" },
	{ CREATE, "{'a':.5}", "!invalid JSON" },
	{ CREATE, "{'a':1e}", "!invalid JSON" },
	{ CREATE, "{'a':+1}", "!invalid JSON" },
	{ CREATE, "{'a':NaN}", "!invalid JSON" },
	{ CREATE, "{'a':0x10}", "!invalid JSON" },
	{ CREATE, "{'a':-0.5e+10,'b':0,'c':1E3,'d':-12.25,'e':1e-7}", "" },
	{ CREATE, "{'a':'\x01'}", "!control character in string" },
	{ CREATE, "{'a':'\t'}", "!control character in string" },
	{ CREATE, "{'a':'\\q'}", "!bad escape" },
	{ CREATE, "{'a':'\\x41'}", "!bad escape" },
	{ CREATE, "{'a':'\\u12'}", "!bad \\u escape" },
	{ CREATE, "{'a':'\\u12g4'}", "!bad \\u escape" },
	{ CREATE, "{'a':'\\ud800'}", "!lone UTF-16 surrogate" },
	{ CREATE, "{'a':'\\udc00\\ud800'}", "!lone UTF-16 surrogate" },
	{ CREATE, "{'a':'\\ud800\\u0041'}", "!lone UTF-16 surrogate" },
	{ CREATE, "{'a':'\\ud800\\ud800'}", "!lone UTF-16 surrogate" },
	{ CREATE, "{'Binds':['/var/run/docker.sock\\udfff:/s']}", "!lone UTF-16 surrogate" },
	{ CREATE, "{'\xff':1}", "!invalid UTF-8" },
	{ CREATE, "{'Bind\xc5':['/:/h']}", "!invalid UTF-8" },
	{ CREATE, "{'a':'\xc0\xaf'}", "!invalid UTF-8" },         /* overlong '/' */
	{ CREATE, "{'a':'\xe0\x80\xaf'}", "!invalid UTF-8" },     /* overlong '/' */
	{ CREATE, "{'a':'\xed\xa0\x80'}", "!invalid UTF-8" },     /* encoded surrogate */
	{ CREATE, "{'a':'\xf4\x90\x80\x80'}", "!invalid UTF-8" }, /* above U+10FFFF */
	{ CREATE, "{'a':'\xe2\x82'}", "!invalid UTF-8" },         /* truncated */
	{ CREATE, "{'a':'\x80'}", "!invalid UTF-8" },
	{ CREATE, "{'a':'\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80'}", "" },
	{ CREATE, "{'a' 'b'}", "!invalid JSON" },
	{ CREATE, "{'a':1 'b':2}", "!invalid JSON" },
	{ CREATE, "{'a':1,}", "!invalid JSON" },
	{ CREATE, "{,}", "!invalid JSON" },
	{ CREATE, "{'a':}", "!invalid JSON" },
	{ CREATE, "{'a'}", "!invalid JSON" },
	{ CREATE, "{'a':[1,]}", "!invalid JSON" },
	{ CREATE, "{'a':[1 2]}", "!invalid JSON" },
	{ CREATE, "{'a':[}", "!invalid JSON" },
	{ CREATE, "{'a':{]}", "!invalid JSON" },
	{ CREATE, "{1:2}", "!invalid JSON" },
	{ CREATE, "{'a':1", "!invalid JSON" },
	{ CREATE, "{'a':'x", "!invalid JSON" },
	{ CREATE, "{", "!invalid JSON" },
	{ CREATE, "}", "!invalid JSON" },
	{ CREATE, "\xef\xbb\xbf{}", "!invalid JSON" }, /* Go refuses a BOM too */
	/* data after the value: Go's Decoder would stop reading, we refuse */
	{ CREATE, "{} {}", "!data after the JSON value" },
	{ CREATE, "{}x", "!data after the JSON value" },
	{ CREATE, "{'a':1}}", "!data after the JSON value" },
	{ CREATE, "{'Image':'a'}{'HostConfig':{'Binds':['/:/h']}}", "!data after the JSON value" },
	{ CREATE, "null null", "!data after the JSON value" },
	{ CREATE, " \t{'Image':'a'}\r\n ", "image=a" },

	/* ---- the top level ---- */
	{ CREATE, "", "" },
	{ CREATE, " \n\t\r ", "" },
	{ CREATE, "null", "" },
	{ CREATE, "  null\n", "" },
	{ CREATE, "[]", "!body must be a JSON object" },
	{ CREATE, "[{'Binds':['/:/h']}]", "!body must be a JSON object" },
	{ CREATE, "'x'", "!body must be a JSON object" },
	{ CREATE, "1", "!body must be a JSON object" },
	{ CREATE, "true", "!body must be a JSON object" },
	{ CREATE, "{}", "" },

	/* ---- POST /containers/{id}/start: a HostConfig, below API 1.24 ---- */
	{ START, "{'Binds':['/var/run/docker.sock:/s'],'Privileged':true}", "bind:/var/run/docker.sock privileged" },
	{ START, "{'binds':['/:/h'],'BINDS':[]}", "!ambiguous body" },
	{ START, "{'Mounts':[{'Type':'bind','Source':'/'}],'PidMode':'host'}", "mount:/ pid=host" },
	/* dockerd decodes it as the create wrapper: nested, any case, and both places */
	{ START, "{'HostConfig':{'Binds':['/:/h']}}", "bind:/" },
	{ START, "{'hostconfig':{'binds':['/var/run:/h']}}", "bind:/var/run" },
	{ START, "{'HOSTCONFIG':{'Privileged':true,'NetworkMode':'host'}}", "privileged net=host" },
	{ START, "{'Ho\\u017ftConfig':{'Bind\\u017f':['/:/h']}}", "bind:/" },
	{ START, "{'HostConfig':{'Binds':['/a:/a']},'Binds':['/b:/b']}", "bind:/a bind:/b" },
	{ START, "{'HostConfig':{'PidMode':'host'},'PidMode':''}", "!ambiguous body" },
	{ START, "{'HostConfig':{},'hostConfig':{}}", "!ambiguous body" },
	{ START, "{'HostConfig':{'VolumesFrom':['c1'],'IpcMode':'container:c2'}}", "ipc=container:c2 volfrom=c1" },
	{ START, "{'HostConfig':null,'Binds':['/:/h:ro']}", "bind:/ ro" },
	{ START, "{'Privileged':'yes'}", "!invalid type for Privileged" },
	{ START, "{}", "" },
	{ START, "", "" },
	{ START, "null", "" },
	{ START, "{} x", "!data after the JSON value" },

	/* ---- read-only binds, dockerd's default system paths ---- */
	{ CREATE, "{'Binds':['/sys:/s:ro','/sys:/t:rw','/sys:/u','/sys:/v:z,ro','/sys:/w:rox']}",
	  "bind:/sys ro bind:/sys bind:/sys bind:/sys ro bind:/sys" },
	{ CREATE, "{'Mounts':[{'Type':'bind','Source':'/sys','ReadOnly':true},{'Type':'bind','Source':'/sys'}]}",
	  "mount:/sys ro mount:/sys" },
	{ CREATE, "{'HostConfig':{'MaskedPaths':[],'ReadonlyPaths':[]}}", "masked=1 rodefaults=1" },
	{ CREATE, "{'HostConfig':{'MaskedPaths':['/proc/asound','/proc/acpi','/proc/kcore','/proc/keys',"
		  "'/proc/latency_stats','/proc/timer_list','/proc/timer_stats','/proc/sched_debug',"
		  "'/proc/scsi','/sys/firmware','/sys/devices/virtual/powercap'],"
		  "'ReadonlyPaths':['/proc/bus','/proc/fs','/proc/irq','/proc/sys','/proc/sysrq-trigger']}}", "" },
	{ CREATE, "{'HostConfig':{'MaskedPaths':['/proc/asound','/proc/acpi','/proc/keys',"
		  "'/proc/latency_stats','/proc/timer_list','/proc/timer_stats','/proc/sched_debug',"
		  "'/proc/scsi','/sys/firmware'],"
		  "'ReadonlyPaths':['/proc/bus','/proc/fs','/proc/irq','/proc/sysrq-trigger',null]}}",
	  "masked=1 rodefaults=1" },
	{ CREATE, "{'HostConfig':{'MaskedPaths':'x'}}", "!invalid type for MaskedPaths" },

	/* ---- POST /containers/{id}/update: Resources at the top level ---- */
	{ UPDATE, "{'Devices':[{'PathOnHost':'/dev/mem'}],'Memory':1}", "devices=1" },
	{ UPDATE, "{'devicerequests':[{}],'DeviceCgroupRules':['a *:* rwm']}", "devreq=1 cgrules=1" },
	{ UPDATE, "{'Binds':['/:/h'],'Privileged':true}", "" },
	{ UPDATE, "{'RestartPolicy':{'Name':'always','name':'no'}}", "!ambiguous body" },
	{ UPDATE, "{'Devices':'x'}", "!invalid type for Devices" },

	/* ---- POST /volumes/create ---- */
	{ VOLUME, "{'Name':'v','Driver':'local','DriverOpts':{'type':'none','o':'bind','device':'/var/run'}}",
	  "volcreate:/var/run name=v driver=local" },
	{ VOLUME, "{'Name':'v','Driver':'','DriverOpts':{'type':'none','o':'bind','device':'/'}}",
	  "volcreate:/ name=v driver=" },
	{ VOLUME, "{'DriverOpts':{'o':'rbind','device':'/run'}}", "volcreate:/run" },
	{ VOLUME, "{'driveropts':{'type':'bind','device':'run'}}", "volcreate:run" },
	{ VOLUME, "{'Name':'v','Driver':'other','DriverOpts':{'type':'none','o':'bind','device':'/'}}",
	  "name=v driver=other" },
	{ VOLUME, "{'DriverOpts':{'TYPE':'none','O':'bind','device':'/'}}", "" },
	{ VOLUME, "{'DriverOpts':{'type':'tmpfs','device':'tmpfs','o':'size=100m'}}", "" },
	{ VOLUME, "{'DriverOpts':{'device':'/','device':'/x','o':'bind'}}", "!ambiguous body: key \"device\" given twice" },
	{ VOLUME, "{'DriverOpts':{'device':'/','o':'bind'},'driverOpts':{}}", "!key \"DriverOpts\" given twice" },
	{ VOLUME, "{'DriverOpts':{'device':1}}", "!invalid type for DriverOpts" },
	{ VOLUME, "{'Name':'docker.sock'}", "name=docker.sock" },
	{ VOLUME, "{'name':'a','NAME':'b'}", "!ambiguous body" },
	{ VOLUME, "{'Labels':{'a':'1','a':'2'}}", "!ambiguous body" },
	{ VOLUME, "{'Labels':{'a':'1','A':'2'},'Name':'v'}", "name=v" },
	{ VOLUME, "{'Driver':'local','Driver':'x'}", "!ambiguous body" },

	/* ---- networks ---- */
	{ NETWORK, "{'Name':'n','Driver':'bridge','Labels':{'a':'b'},'Options':{}}", "name=n driver=bridge" },
	{ NETWORK, "{'Name':'n','name':'m'}", "!ambiguous body" },
	{ NETWORK, "{'Name':1}", "!invalid type for Name" },
	{ CONNECT, "{'Container':'docker-proxy','EndpointConfig':{}}", "container=docker-proxy" },
	{ CONNECT, "{'container':'a','Container':'b'}", "!ambiguous body" },
	{ DISCONNECT, "{'Container':'x','Force':true}", "container=x" },
	{ DISCONNECT, "{'CONTAINER':'\\/proxy'}", "container=/proxy" },

	/* ---- services ---- */
	{ SERVICE,
	  "{'Name':'s','Labels':{'a':'b'},'TaskTemplate':{'ContainerSpec':{'Image':'nginx','Labels':{'c':'d'},"
	  "'Mounts':[{'Type':'bind','Source':'/var/run/docker.sock','Target':'/s'}],"
	  "'CapabilityAdd':['SYS_ADMIN'],'Sysctls':{'a':'1','b':'2'}}}}",
	  "service:/var/run/docker.sock image=nginx cap=SYS_ADMIN sysctls=2 label:a=b label:c=d name=s" },
	{ SERVICE, "{'TaskTemplate':{'ContainerSpec':{'Mounts':[{'Type':'volume','VolumeOptions':"
		   "{'DriverConfig':{'Options':{'type':'none','o':'bind','device':'/run'}}}}]}}}",
	  "service:/run" },
	{ SERVICE, "{'TaskTemplate':{'ContainerSpec':{'Mounts':[{'Type':'BIND','Source':'/'}]}}}", "service:/" },
	{ SERVICE, "{'tasktemplate':{'containerspec':{'mounts':[{'type':'bind','source':'/'}]}}}", "service:/" },
	{ SERVICE, "{'TaskTemplate':{'ContainerSpec':{},'containerSpec':{}}}", "!ambiguous body" },
	{ SERVICE, "{'TaskTemplate':{'Networks':[{'Target':'host'}]},'Networks':[{'target':'n2'},null]}",
	  "svcnet=host svcnet=n2" },
	{ SERVICE, "{'networks':[{'TARGET':'host','Aliases':['a']}]}", "svcnet=host" },
	{ SERVICE, "{'Networks':[{'Target':'a','target':'b'}]}", "!ambiguous body" },
	{ SERVICE, "{'Networks':{'Target':'host'}}", "!invalid type for Networks" },
	{ SERVICE, "{'TaskTemplate':{'ContainerSpec':{'Secrets':[{},{}],'Configs':[{}],"
		   "'CapabilityAdd':['CAP_SYS_ADMIN'],'Sysctls':{'a':'1'}}}}",
	  "cap=CAP_SYS_ADMIN sysctls=1 secrets=2 configs=1" },
	{ SERVICE, "{'TaskTemplate':{'ContainerSpec':{'Privileges':{'SELinuxContext':{'Disable':true,"
		   "'Type':'spc_t'},'Seccomp':{'Mode':'unconfined'},'AppArmor':{'Mode':'disabled'}}}}}",
	  "selinux-disable selinux=spc_t seccomp=unconfined apparmor=disabled" },
	{ SERVICE, "{'TaskTemplate':{'Resources':{'Reservations':{'GenericResources':[{}]}}}}", "devreq=1" },
	{ SERVICE, "{'TaskTemplate':{'ContainerSpec':{'Mounts':[{'Type':'bind','Source':1}]}}}",
	  "!invalid type for Source" },
	{ SERVICE, "{'TaskTemplate':{'ContainerSpec':null},'Mode':{'Replicated':{'Replicas':1}}}", "" },
	{ SERVICE_UPDATE, "{'Name':'s','TaskTemplate':{'ContainerSpec':{'Mounts':[{'Type':'bind','Source':'/run'}]}}}",
	  "service:/run name=s" },
	{ SERVICE_UPDATE, "{'Name':'s'} {}", "!data after the JSON value" },

	/* ---- routes without a body to read: nothing read, nothing refused ---- */
	{ ACT_OTHER, "{'Binds':['/:/h']}", "" },
	{ ACT_CONTAINER_STOP, "{{{", "" },
	{ ACT_IMAGE_CREATE, "{'Binds':['/:/h']}", "" },
	{ ACT_CONTAINER_EXEC, "{'Privileged':true}", "" },
};

/* ---- rendering facts as one line ---- */

struct out {
	char buf[8192];
	size_t len;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->len + n < sizeof(o->buf)) {
		memcpy(o->buf + o->len, s, n + 1);
		o->len += n;
	}
}

static void put_bytes(struct out *o, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		char tmp[8];
		if (c > ' ' && c < 0x7f)
			snprintf(tmp, sizeof(tmp), "%c", c);
		else
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		put(o, tmp);
	}
}

static void item(struct out *o, const char *label, const struct str *s)
{
	if (s->p == NULL)
		return;
	if (o->len)
		put(o, " ");
	put(o, label);
	put_bytes(o, s->p, s->len);
}

static void count(struct out *o, const char *label, size_t n)
{
	char tmp[64];

	if (n == 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s%s%zu", o->len ? " " : "", label, n);
	put(o, tmp);
}

static void list(struct out *o, const char *label, const struct str *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		item(o, label, &l[i]);
}

static void render(const struct body_facts *f, struct out *o)
{
	static const char *const origin[] = { "bind:", "mount:", "volopt:", "volcreate:", "service:" };

	o->len = 0;
	o->buf[0] = '\0';
	for (size_t i = 0; i < f->n_paths; i++) {
		item(o, origin[f->paths[i].origin], &f->paths[i].path);
		if (f->paths[i].read_only)
			put(o, " ro");
	}
	item(o, "image=", &f->image);
	if (f->privileged)
		put(o, o->len ? " privileged" : "privileged");
	item(o, "net=", &f->network_mode);
	item(o, "pid=", &f->pid_mode);
	item(o, "ipc=", &f->ipc_mode);
	item(o, "uts=", &f->uts_mode);
	item(o, "userns=", &f->userns_mode);
	item(o, "cgroupns=", &f->cgroupns_mode);
	list(o, "cap=", f->cap_add, f->n_cap_add);
	list(o, "secopt=", f->security_opt, f->n_security_opt);
	list(o, "volfrom=", f->volumes_from, f->n_volumes_from);
	list(o, "link=", f->links, f->n_links);
	count(o, "devices=", f->n_devices);
	count(o, "devreq=", f->n_device_requests);
	count(o, "cgrules=", f->n_device_cgroup_rules);
	count(o, "sysctls=", f->n_sysctls);
	for (size_t i = 0; i < f->n_labels; i++) {
		item(o, "label:", &f->labels[i].key);
		put(o, "=");
		put_bytes(o, f->labels[i].value.p, f->labels[i].value.len);
	}
	item(o, "name=", &f->name);
	item(o, "driver=", &f->driver);
	item(o, "container=", &f->container);
	count(o, "masked=", f->n_masked_paths_set);
	count(o, "rodefaults=", f->n_readonly_paths_set);
	count(o, "secrets=", f->n_secrets);
	count(o, "configs=", f->n_configs);
	list(o, "svcnet=", f->networks, f->n_networks);
	if (f->privileges.selinux_disable)
		put(o, o->len ? " selinux-disable" : "selinux-disable");
	item(o, "selinux=", &f->privileges.selinux_type);
	item(o, "selinux=", &f->privileges.selinux_user);
	item(o, "selinux=", &f->privileges.selinux_role);
	item(o, "selinux=", &f->privileges.selinux_level);
	item(o, "seccomp=", &f->privileges.seccomp_mode);
	item(o, "apparmor=", &f->privileges.apparmor_mode);
}

/* ---- running a body the way conn.c will: exact-size buffers ---- */

struct result {
	int rc;
	const char *why;
	struct out facts;
	size_t n_volumes;
};

/*
 * Body and scratch are allocated at their exact length (scratch as small
 * as the contract allows) so that ASan sees any read or write past them.
 */
static void run_raw(enum route_action action, const char *body, size_t len, struct result *r)
{
	char *b = malloc(len ? len : 1);
	char *scratch = malloc(len ? len : 1);
	static struct body_facts facts;

	if (b == NULL || scratch == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(b, body, len);
	memset(&facts, 0x5a, sizeof(facts)); /* inspect_body must clear it */
	r->why = NULL;
	r->rc = inspect_body(action, b, len, scratch, len, &facts, &r->why);
	render(&facts, &r->facts);
	r->n_volumes = facts.n_volumes;
	/* a reason outlives the buffers: copy it before they go */
	static char why[INSPECT_WHY_MAX + 64];
	if (r->why != NULL) {
		snprintf(why, sizeof(why), "%s", r->why);
		r->why = why;
	}
	free(b);
	free(scratch);

	/* A scratch buffer with room to spare holds jsmn's tokens too: the
	 * verdict and the facts must not change. */
	size_t big = 32 * len + 64;
	b = malloc(len ? len : 1);
	scratch = malloc(big);
	if (b == NULL || scratch == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(b, body, len);
	static struct body_facts facts2;
	static struct out rendered;
	const char *why2 = NULL;
	int rc2 = inspect_body(action, b, len, scratch + 1, big - 1, &facts2, &why2);
	memset(&rendered, 0, sizeof(rendered));
	render(&facts2, &rendered);
	CHECK(rc2 == r->rc && (r->why == NULL) == (why2 == NULL) &&
	      (why2 == NULL || strcmp(why2, r->why) == 0) &&
	      strcmp(rendered.buf, r->facts.buf) == 0,
	      "tokens in scratch change the result: %d %s", rc2, why2 ? why2 : "");
	free(b);
	free(scratch);
}

/* Tables write ' for ". */
static size_t unquote(const char *src, char *dst, size_t cap)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] == '\'' ? '"' : src[i];
	dst[n] = '\0';
	return n;
}

static void check_result(const char *what, const struct result *r, const char *want)
{
	if (want[0] == '!') {
		CHECK(r->rc == -1, "%s: want refusal (%s), got facts \"%s\"", what, want + 1, r->facts.buf);
		CHECK(r->rc != -1 || (r->why != NULL && strstr(r->why, want + 1) != NULL),
		      "%s: reason \"%s\", want it to contain \"%s\"", what, r->why ? r->why : "(null)", want + 1);
		CHECK(r->rc != -1 || r->facts.len == 0, "%s: refused but facts left: %s", what, r->facts.buf);
		return;
	}
	CHECK(r->rc == 0, "%s: refused: %s", what, r->why ? r->why : "(null)");
	CHECK(r->rc != 0 || strcmp(r->facts.buf, want) == 0, "%s:\n   got  \"%s\"\n   want \"%s\"", what,
	      r->facts.buf, want);
}

static void test_rows(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char body[4096];
		size_t len = unquote(rows[i].body, body, sizeof(body));
		struct result r;
		run_raw(rows[i].action, body, len, &r);
		check_result(rows[i].body, &r, rows[i].want);
	}
}

/* ---- generated bodies: limits ---- */

struct gen {
	char buf[1 << 17];
	size_t len;
};

static void add(struct gen *g, const char *s)
{
	size_t n = strlen(s);
	if (g->len + n < sizeof(g->buf)) {
		memcpy(g->buf + g->len, s, n);
		g->len += n;
	}
}

static void nested(struct gen *g, int depth)
{
	g->len = 0;
	add(g, "{\"Foo\":"); /* the object is one level */
	for (int i = 1; i < depth; i++)
		add(g, "[");
	for (int i = 1; i < depth; i++)
		add(g, "]");
	add(g, "}");
}

/* {"<field>":[ "<item 0>", ... ]} */
static void string_list(struct gen *g, const char *field, const char *fmt, int n)
{
	char tmp[64];

	g->len = 0;
	add(g, "{\"");
	add(g, field);
	add(g, "\":[");
	for (int i = 0; i < n; i++) {
		snprintf(tmp, sizeof(tmp), fmt, i);
		add(g, i ? ",\"" : "\"");
		add(g, tmp);
		add(g, "\"");
	}
	add(g, "]}");
}

/* {"k0":0,...,"k<n-1>":0} plus an optional repeat of one key at the end */
static void many_keys(struct gen *g, const char *wrap, int n, const char *repeat)
{
	char tmp[64];

	g->len = 0;
	add(g, wrap[0] ? "{\"" : "");
	add(g, wrap);
	add(g, wrap[0] ? "\":{" : "{");
	for (int i = 0; i < n; i++) {
		snprintf(tmp, sizeof(tmp), "%s\"k%d\":\"0\"", i ? "," : "", i);
		add(g, tmp);
	}
	if (repeat != NULL) {
		add(g, ",\"");
		add(g, repeat);
		add(g, "\":\"0\"");
	}
	add(g, wrap[0] ? "}}" : "}");
}

static void expect(const char *what, enum route_action action, const struct gen *g, const char *want)
{
	struct result r;

	run_raw(action, g->buf, g->len, &r);
	check_result(what, &r, want);
}

static void test_limits(void)
{
	static struct gen g;
	struct result r;

	nested(&g, 64);
	expect("depth 64", CREATE, &g, "");
	nested(&g, 65);
	expect("depth 65", CREATE, &g, "!nested too deeply");
	nested(&g, 5000);
	expect("depth 5000", CREATE, &g, "!nested too deeply");

	string_list(&g, "Binds", "/h%d:/c", INSPECT_MAX_ITEMS);
	run_raw(CREATE, g.buf, g.len, &r);
	CHECK(r.rc == 0, "64 binds: %s", r.why ? r.why : "");
	string_list(&g, "Binds", "/h%d:/c", INSPECT_MAX_ITEMS + 1);
	expect("65 binds", CREATE, &g, "!too many host paths");
	/* named volumes are recorded (dockerd is asked what each one is) */
	string_list(&g, "Binds", "vol%d:/c", INSPECT_MAX_ITEMS);
	run_raw(CREATE, g.buf, g.len, &r);
	CHECK(r.rc == 0 && r.n_volumes == INSPECT_MAX_ITEMS, "64 named volumes: %s",
	      r.why ? r.why : "");
	string_list(&g, "Binds", "vol%d:/c", INSPECT_MAX_ITEMS + 1);
	expect("65 named volumes", CREATE, &g, "!too many named volumes");
	string_list(&g, "CapAdd", "CAP_%d", INSPECT_MAX_ITEMS + 1);
	expect("65 caps", CREATE, &g, "!too many CapAdd entries");
	string_list(&g, "SecurityOpt", "o%d", INSPECT_MAX_ITEMS + 1);
	expect("65 security opts", START, &g, "!too many SecurityOpt entries");
	string_list(&g, "Devices", "d%d", 1000);
	expect("1000 devices", UPDATE, &g, "devices=1000");

	many_keys(&g, "Labels", INSPECT_MAX_ITEMS + 1, NULL);
	run_raw(CREATE, g.buf, g.len, &r);
	CHECK(r.rc == 0, "65 labels (Traefik and compose use many): %s", r.why ? r.why : "");
	many_keys(&g, "Labels", INSPECT_MAX_LABELS, NULL);
	run_raw(CREATE, g.buf, g.len, &r);
	CHECK(r.rc == 0, "%d labels: %s", INSPECT_MAX_LABELS, r.why ? r.why : "");
	many_keys(&g, "Labels", INSPECT_MAX_LABELS + 1, NULL);
	expect("1025 labels", CREATE, &g, "!too many Labels entries");
	/* many keys: sorted, not compared pairwise; a repeat is still found */
	many_keys(&g, "Sysctls", 5000, NULL);
	expect("5000 sysctls", CREATE, &g, "sysctls=5000");
	many_keys(&g, "Sysctls", 5000, "k1234");
	expect("5000 sysctls, one repeated", CREATE, &g, "!key \"k1234\" given twice");
	many_keys(&g, "", 5000, "K4321");
	expect("5000 unknown keys, one repeated in another case", CREATE, &g, "!given twice");
	many_keys(&g, "Labels", 5000, "K4321");
	expect("5000 labels", CREATE, &g, "!too many Labels entries");
}

/* ---- details the tables cannot show ---- */

static void test_details(void)
{
	static struct body_facts facts;
	const char *why = NULL;
	char body[256], scratch[256];

	/* strings point into the caller's scratch buffer, decoded */
	size_t len = unquote("{'Binds':['\\/var\\/run\\/docker.sock:/s']}", body, sizeof(body));
	int rc = inspect_body(CREATE, body, len, scratch, len, &facts, &why);
	CHECK(rc == 0 && facts.n_paths == 1, "scratch: rc %d", rc);
	CHECK(facts.paths[0].path.p >= scratch && facts.paths[0].path.p + facts.paths[0].path.len <= scratch + len,
	      "path not in scratch");

	/* a raw NUL byte: outside a string, and inside one */
	rc = inspect_body(CREATE, "{\0}", 3, scratch, 3, &facts, &why);
	CHECK(rc == -1, "raw NUL between tokens accepted");
	rc = inspect_body(CREATE, "{\"a\":\"\0\"}", 9, scratch, 9, &facts, &why);
	CHECK(rc == -1 && why && strstr(why, "control character"), "raw NUL in a string: %s", why ? why : "");
	/* the length is the body: a NUL after it is not read, data before it is */
	rc = inspect_body(CREATE, "{\"Image\":\"a\"}\0garbage", 13, scratch, 13, &facts, &why);
	CHECK(rc == 0 && facts.image.len == 1, "explicit length: rc %d", rc);

	/* a scratch buffer smaller than the body is refused, not overrun */
	rc = inspect_body(CREATE, "{\"Image\":\"a\"}", 13, scratch, 5, &facts, &why);
	CHECK(rc == -1, "short scratch accepted");

	/* why may be NULL */
	rc = inspect_body(CREATE, "{", 1, scratch, 1, &facts, NULL);
	CHECK(rc == -1, "refusal without a why pointer");

	/* the kinds of body read are exactly these */
	for (int a = 0; a < ACT_COUNT; a++) {
		bool want = a == CREATE || a == START || a == UPDATE || a == VOLUME || a == NETWORK ||
			    a == CONNECT || a == DISCONNECT || a == SERVICE || a == SERVICE_UPDATE;
		CHECK(inspect_wants_body((enum route_action)a) == want, "inspect_wants_body(%d)", a);
	}
}

int main(void)
{
	test_rows();
	test_limits();
	test_details();
	TEST_DONE();
}
