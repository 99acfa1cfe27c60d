// Interface texts, Chinese first: township operators read Chinese, visitors English.
"use strict";
const I18N = {
  zh: {
    offline: "未连接", online: "实时", incidents: "火警事件", no_incidents: "暂无火警",
    cameras: "摄像头", timeline: "处置时间线", flame: "明火", smoke: "烟雾",
    triggered: "待核实", verified: "已核实", dispatched: "已调度", responding: "出动中",
    on_scene: "已到场", resolved: "已处置", false_alarm: "误报",
    verify: "核实火情", mark_false_alarm: "标记误报", dispatch: "调度力量",
    resolve: "处置完毕", confidence: "置信度", corroborated: "多点印证",
    "camera.offline": "摄像头离线", "camera.online": "摄像头恢复",
    "incident.opened": "发现火情", "incident.corroborated": "其他摄像头印证",
    "incident.transition": "状态变更", "incident.media": "视频片段就绪",
    "incident.timer_breach": "超出1-3-5时限", call_119: "请立即拨打119",
    state_online: "在线", state_offline: "离线", state_stalled: "卡顿", state_connecting: "连接中",
  },
  en: {
    offline: "offline", online: "live", incidents: "Fire incidents", no_incidents: "No incidents",
    cameras: "Cameras", timeline: "Timeline", flame: "Flame", smoke: "Smoke",
    triggered: "Triggered", verified: "Verified", dispatched: "Dispatched",
    responding: "Responding", on_scene: "On scene", resolved: "Resolved",
    false_alarm: "False alarm", verify: "Verify", mark_false_alarm: "False alarm",
    dispatch: "Dispatch", resolve: "Resolve", confidence: "confidence",
    corroborated: "corroborated", "camera.offline": "Camera offline",
    "camera.online": "Camera back online", "incident.opened": "Fire detected",
    "incident.corroborated": "Corroborated by another camera",
    "incident.transition": "State changed", "incident.media": "Clip ready",
    "incident.timer_breach": "1-3-5 limit exceeded", call_119: "Call 119 now",
    state_online: "online", state_offline: "offline", state_stalled: "stalled",
    state_connecting: "connecting",
  },
};
