"""Every word of a report in English or Chinese (the analysts' terms of domain.md).

One report is in one language: headings, table headers, axis labels, legends,
units and findings all come from here.  Raw keys (state, rate, category, method
names) go through :func:`state`, :func:`rate`, :func:`category`, :func:`method`;
names from the user's data (campaign names, push content) are shown as they are.
"""
from __future__ import annotations

import math
import re

from ..analyses.lifecycle import RATE_ZH, STATE_ZH

STATE_EN = {"new": "new", "new_retained": "retained new", "active": "active", "woken": "woken",
            "returned": "returned", "dormant": "dormant", "churned": "churned",
            "churned_signal": "churned, offline signal", "churned_silent": "churned, silent",
            "not entered": "not yet entered", "any": "any state"}
RATE_EN = {"retention_old": "old-user retention", "retention_new": "new-user retention", "wake_rate": "wake rate",
           "return_rate": "return rate", "active_rate": "monthly active rate"}
CATEGORY_ZH = {"car_control": "控车", "content": "内容", "community": "社区", "after_sales": "售后",
               "campaign": "活动", "shop": "商城", "other": "其他(未列入功能映射)", "unknown": "无标签", "any": "任意标签",
               "new": "新进入"}
CATEGORY_EN = {"car_control": "car control", "content": "content", "community": "community",
               "after_sales": "after-sales", "campaign": "campaign", "shop": "shop", "other": "other (not in feature_map)",
               "unknown": "no tag", "any": "any tag", "new": "newly entered"}
METHOD = {"control arm": ("experiment with a control group", "对照组实验"),
          "diff-in-diff": ("difference-in-differences", "双重差分")}
METRIC = {"active": ("active in the campaign", "活动期间活跃"), "activity": ("active in the campaign", "活动期间活跃"),
          "retention": ("active the month after", "次月活跃"), "purchase": ("purchased", "购买"),
          "order": ("purchased", "购买"), "trip": ("offline signal", "线下信号")}

TEXT = {
    # units and small words
    "users": ("users", "用户数"),
    "month": ("month", "月份"),
    "rate": ("rate", "比率"),
    "target": ("target", "目标"),
    "points": ("points", "个百分点"),
    "pts_unit": ("points", "百分点"),
    "difference_points": ("difference (points)", "差异(百分点)"),
    "scene_not_pushed": ("no pushes yet", "尚无推送"),
    "scene_too_few": ("not measurable: an arm has no users", "无法衡量:有一组没有用户"),
    "any_months": ("any", "不限"),
    "no_activity": ("no activity", "无活跃"),
    "window_open": ("not over yet", "未满期"),
    "none_in_data": ("none in the data", "数据中无"),
    "last_year_within": ("inside {name}", "在{name}内"),
    "no_tag_row": ("no tag (no feature used in the window)", "无标签(窗口内未使用任何功能)"),
    "from": ("last month", "上月"),
    "to": ("this month", "本月"),
    "not entered": ("not yet entered", "未注册"),
    "yes": ("yes", "是"),
    "srm_ok_cell": ("as planned", "正常"),
    "still_running": (" (still running)", "(仍在进行)"),
    "did_treatment": ("members' change", "成员的变化"),
    "did_control": ("everyone else's change", "其他用户的变化"),
    "did_no_split": ("no control arm: members against everyone else (diff-in-diff)", "无对照组:成员对比其他用户(双重差分)"),
    "did_change_cell": ("change {v:+z.1f} pts", "变化 {v:+z.1f} 个百分点"),
    "campaigns_skipped": ("Not evaluated: {items}.", "未评估:{items}。"),
    "campaign_no_members": ("{id} (no members in campaign_members)", "{id}(campaign_members 中没有成员)"),
    "campaign_outside": ("{id} (runs outside the months of the data)", "{id}(活动时间不在数据的月份内)"),
    "srm_off_cell": ("off plan: check the assignment", "异常,需复核分组"),
    "not_defined": ("not defined", "无法定义"),
    "not_reachable": ("not reachable", "无法达成"),
    "met_already": ("met at the projection's rates (see above)", "按预测所用比率即可达成(见上)"),
    "implausible": ("implausible", "不现实"),
    "plausible": ("possible: within 10 points of its best month", "可行:不超过其最佳月份 10 个百分点"),
    # lifecycle charts
    "states_over_time": ("Users by lifecycle state", "用户分群变化"),
    "active_rate_vs_target": ("Monthly active rate against target", "月活率与目标"),
    "mau_bridge": ("From last month's MAU to this month's", "月活桥图:上月到本月"),
    "four_rates": ("The four rates", "4大指标"),
    "transitions": ("Where last month's users went (share of row)", "用户群体迁移(行占比)"),
    # retention cohorts and breakdowns by segment (toolkit/report/cohort_plots.py)
    "cohort_heatmap": ("Retention by entry month (share of the cohort active)", "留存矩阵(同期进入用户中活跃的比例)"),
    "provisional": (" (provisional)", "(暂定)"),
    "even_100": ("100% is not enough", "升至 100% 仍不够"),
    "provisional_note": ("Provisional: the ordinary days a window is compared with lie within {weeks} weeks on both "
                         "sides of it, and for a window near the month's end the weeks after it are not in yet; its "
                         "figure may change in next month's report.",
                         "暂定:窗口的对比平日取其前后各 {weeks} 周,月末附近的窗口其后几周尚无数据,下月报告中数值可能变化。"),
    "cohort_heatmap_last": ("the last {n} of {of} cohorts", "最近 {n} 个进入月份(共 {of} 个)"),
    "layer_cake": ("Active users by entry month", "月活跃用户按进入月份分层"),
    "months_since_entry": ("months since entry", "进入后月数"),
    "entry_month": ("entry month", "进入月份"),
    "cohort_size": ("users", "人数"),
    "earlier_cohorts": ("earlier", "更早"),
    "segment": ("segment", "细分"),
    "breakdown": ("break down by", "细分维度"),
    "no_breakdown": ("(none)", "(不细分)"),
    "segment_unknown": ("unknown", "未知"),
    "segment_column_channel": ("Channel", "渠道"),     # names of the sample's users columns (segment_column)
    "segment_column_city": ("City", "城市"),
    "segment_behind_finding": ("{column}: the table behind the finding above", "按{column}细分(上面发现所依据的表)"),
    "segment_other": ("other (small segments)", "其他(小细分合并)"),
    "segment_all_small": ("all together: every segment is under the charts' minimum of users (the table has each)",
                          "全部合并:每个细分的用户数都低于图表下限(表格中有各细分)"),
    "segment_retention": ("Share of the cohort active, by months since entry, by", "同期用户留存曲线,按"),
    "no_segments": ("No users column to break down by: segment_columns of the configuration names none that the "
                    "users table has.", "没有可用于细分的用户字段:配置 segment_columns 中的字段在用户表中都不存在。"),
    "no_users_table": ("No users column to break down by: the data have no users table, or it has no rows (a users "
                       "table with user_id and columns such as channel or city gives the breakdown).",
                       "没有可用于细分的用户字段:数据中没有用户表或用户表为空(加入含 user_id 及渠道、城市等字段的用户表即可细分)。"),
    # the JupyterLab controls (toolkit/widgets.py, toolkit/period_detail.py)
    "all": ("(all)", "(全部)"),
    "all_states": ("all states", "全部分群"),
    "state": ("state", "分群"),
    "category": ("category", "类别"),
    "churn_window": ("churn window k (months)", "流失标准 k(月)"),
    "chosen_month": ("chosen month", "所选月份"),
    "share_of_active_days": ("mean share of active days", "平均使用天数占比"),
    "holiday_window": ("holiday window", "节假日"),
    "campaign": ("campaign", "活动"),
    "daily_users": ("daily active users", "日活跃用户"),
    "baseline_days": ("baseline days (same weekdays around)", "基线日(前后同星期几)"),
    "expected_without": ("expected without the holiday (the lift's model)", "无节假日时的预期(提升倍数的模型)"),
    # as the holiday table words it: its column's name, the value as in its cells
    "lift": ("daily users vs ordinary days {lift} [{lo:.2f}, {hi:.2f}]", "日活/平日 {lift} [{lo:.2f}, {hi:.2f}]"),
    "year_before_column": ("{month} (a year before)", "{month}(去年同月)"),
    "no_scene_months": ("No push month evaluated: the data hold no pushes whose 30 days have ended.",
                        "尚无已评估的推送月份:数据中没有推送后 30 天已结束的推送。"),
    "no_pushes": ("The data hold no pushes: no push month to evaluate.",
                  "数据中没有推送记录,无推送月份可评估。"),
    "calendar_official": ("official", "官方安排"),
    "calendar_supplied": ("from the schedule file", "来自假期安排文件"),
    "calendar_estimated": ("estimated: the public holidays alone; the official schedule, not out yet, often joins "
                           "them to weekends into a longer break",
                           "估计:仅含法定假日;官方安排尚未公布,调休后的假期通常更长"),
    "not_measured": ("not measured in the data", "数据中未测得"),
    "coming_none": ("No holiday window in the next 12 months in the calendar of {country}.",
                    "{country} 的日历中未来 12 个月没有节假日窗口。"),
    "no_lift": ("no estimate (too few ordinary days around it)", "无估计(前后平日不足)"),
    "no_last_year": ("no window of this festival a year earlier in the data", "数据中没有去年同节日"),
    "last_year": ("same festival last year", "去年同节日"),
    "treatment": ("treatment", "实验组"),
    "control": ("control", "对照组"),
    "difference": ("difference", "差值"),
    "srm_ok": ("arm sizes as planned", "分组比例符合计划"),
    "srm_flag": ("sample ratio mismatch: check the split", "样本比例不符(SRM):请检查分组"),
    "no_campaigns": ("No campaigns with members in the data.", "数据中没有带成员的活动。"),
    "no_windows": ("No holiday windows in the data.", "数据中没有节假日窗口。"),
    "control arm": ("control arm", "对照组实验"),
    "diff-in-diff": ("diff-in-diff", "双重差分"),
    # page furniture
    "report_title": ("Monthly operations report", "用户运营月报"),
    # the same as each notebook's heading: a link on the summary names the page it opens
    "sec_lifecycle": ("Lifecycle: states, active rate and the four rates", "用户分群与月活率"),
    "sec_periods": ("Periods: holiday peaks, campaigns, funnel and stickiness", "周期分析与活动效果"),
    "sec_preferences": ("Preferences and automated scenes", "用户偏好标签与自动化场景"),
    "sec_value_risk": ("Value and risk", "用户价值与流失预警"),
    "back": ("← Summary of the month", "← 本月摘要"),
    "all_months": ("All months", "所有月份"),
    "dataset": ("Data set", "数据集"),
    "period": ("Data period", "数据期间"),
    "generated": ("Generated", "生成时间"),
    "config": ("Configuration", "配置文件"),
    "report_month": ("Report month", "报告月份"),
    "download_csv": ("CSV", "下载CSV"),
    # table headers
    "metric": ("measure", "指标"),
    "mau": ("monthly active users (MAU)", "月活跃用户"),
    "cumulative": ("cumulative users", "累计用户"),
    "buyers": ("users with an order", "下单用户"),
    "orders": ("orders", "订单数"),
    "revenue": ("revenue", "销售额"),
    "term": ("term", "项目"),
    "users_last_month": ("users last month", "上月人数"),
    "users_this_month": ("users this month", "本月人数"),
    "rates_raised": ("rates raised", "提升的指标"),
    "rise_needed": ("rise needed (points)", "所需提升(百分点)"),
    "rate_needed": ("rate needed (highest month)", "所需比率(最高月)"),
    "best_seen": ("best seen in the data", "历史最佳"),
    "average_rate": ("average active rate", "平均月活率"),
    "verdict": ("verdict", "判断"),
    "rise": ("rise", "上升"),
    "drop": ("drop", "下降"),
    "no_change": ("no clear change", "无明显变化"),
    # value and risk (notebook 04)
    "vr_tier": ("value tier", "价值分层"),
    "vr_no_tier": ("not scored (no order in the window)", "未分层(窗口内无购买)"),
    "vr_no_tier_rf": ("not scored (no activity in the window)", "未分层(窗口内无活跃)"),
    "vr_share": ("share of scored users", "占已分层用户比例"),
    "vr_recency": ("mean recency (days)", "平均最近间隔(天)"),
    "vr_frequency": ("mean frequency", "平均频次"),
    "vr_revenue": ("revenue in the window", "窗口内金额"),
    "vr_revenue_share": ("share of revenue", "金额占比"),
    "vr_tier_state": ("Users by value tier and lifecycle state", "价值分层 × 用户分群"),
    "vr_rf_note": ("This data set has no orders: tiers use recency and frequency of activity only (RF), "
                   "without the monetary score.",
                   "该数据集没有订单:分层仅使用活跃的最近间隔与频次(RF),没有金额维度。"),
    "vr_model": ("model (✓ chosen)", "模型(✓ 选用)"),
    "vr_precision": ("precision, top 10%", "前10%精确率"),
    "vr_recall": ("recall, top 10%", "前10%召回率"),
    "vr_calibration_gap": ("calibration gap (points)", "校准误差(百分点)"),
    "vr_expected_in": ("expected inactive in {month} (of {before}'s active)", "{before} 活跃用户中 {month} 预计不活跃"),
    "vr_observed_in": ("observed inactive in {month} (of {before}'s active)", "{before} 活跃用户中 {month} 实际不活跃"),
    "vr_expected_next": ("expected inactive next month", "预计下月不活跃人数"),
    "vr_expected": ("expected inactive", "预计不活跃人数"),
    "vr_observed": ("observed inactive", "实际不活跃人数"),
    "vr_validation_auc": ("AUC, validation month", "验证月 AUC"),
    "vr_perfect": ("perfect calibration", "完美校准"),
    "vr_predicted": ("predicted probability", "预测概率"),
    "vr_observed_share": ("observed share inactive", "实际不活跃比例"),
    "vr_calibration": ("Calibration on the evaluation month", "评估月校准曲线"),
    "vr_mean_risk": ("mean probability of inactivity next month", "下月不活跃平均概率"),
    "vr_group": ("group", "群体"),
    "vr_rank": ("rank", "排名"),
    "vr_idea": ("idea", "想法"),
    "vr_target": ("target", "目标人群"),
    # an idea's tag reaches every user carrying it (not only those whose primary tag it is)
    "vr_tagged": ("tagged {}", "带{}标签"),
    "vr_everyone": ("everyone", "全部用户"),
    "vr_reach": ("reach (users this month)", "覆盖人数(本月)"),
    "vr_impact": ("impact", "影响"),
    "vr_confidence": ("confidence", "信心"),
    "vr_ease": ("ease", "容易度"),
    "vr_owner": ("owner", "负责人"),
    "vr_few_months": ("Fewer than 12 months behind these correlations: treat them as hints, not findings.",
                      "这些相关系数背后不足 12 个月:仅作线索,不作结论。"),
    "vr_no_ideas": ("No ideas to rank this month. (For the analyst: write ideas.csv in the data folder, with idea, "
                    "target_state, target_tag, impact, confidence, ease, owner, to rank them by ICE.)",
                    "本月没有待排序的想法。(分析师:在数据文件夹中按 docs/data.md 所列的列(想法、目标分群与标签、影响、信心、"
                    "容易度、负责人)写入 ideas.csv,即可按 ICE 排序。)"),
    "vr_no_churn": ("Too few months of data for the churn model (it needs a training, a validation and an "
                    "evaluation month before this one).",
                    "数据月份太少,无法建立流失预警模型(本月之前至少需要训练、验证、评估各一个月)。"),
    "periods_quiet": ("No holiday window or campaign in the last three months.", "近三个月没有节假日窗口或活动。"),
    "month_gaps": ("No events in {months}, between months with events: if an events file is missing, add it and "
                   "run the report again. In a month without events every user counts as inactive, so the active "
                   "rate falls to zero there and the flows of the month after are distorted.",
                   "{months} 没有任何事件(前后月份都有事件):如缺少这些月份的事件文件,请补上后重新生成报告。"
                   "没有事件的月份里所有用户都记为不活跃,月活率会跌到零,下个月的各类流转也会失真。"),
    "before_events": ("Registrations start in {first}, the events only in {start}: nothing users did in the {n} "
                      "months before is in the data, so the pages begin in {start}. Users who registered earlier "
                      "count there as coming back (woken or returned) when active, and as churned when not, until "
                      "{k} months (the churn window) of events are in: read the flows and rates from {settled} on; "
                      "the plan takes its rates from there too. If the events export starts later than the users "
                      "table, export the events from {first} as well.",
                      "注册从 {first} 开始,事件数据却从 {start} 才开始:此前 {n} 个月用户做了什么数据里没有,所以各页从 "
                      "{start} 开始。更早注册的用户在头 {k} 个月(流失标准)里活跃时记为唤醒或回流,不活跃时记为流失;"
                      "各类流转和比率请从 {settled} 起看,预测也从那时起取比率。如事件导出晚于用户表,请把 {first} "
                      "起的事件一并导出。"),
    "signal_absent": ("None of the configured offline-signal events ({names}) occurs in the data, so every event "
                      "counts as activity and no user is counted by an offline signal. If the data name the signal "
                      "otherwise, set signal_events to that name (or to [] when there is none).",
                      "配置的线下信号事件({names})在数据中一次也没有出现,因此所有事件都算作活跃,也没有用户按线下信号计入。"
                      "如数据中线下信号的事件名不同,请在 signal_events 中改为该名称(没有线下信号时设为 [])。"),
    "first_month_out": ("{month}, the first month of the data, is not drawn: every user is new in it, so its active "
                        "rate is 100% by definition.",
                        "{month} 为数据首月,所有用户都是新用户,月活率按定义为 100%,图中未画出。"),
    "vr_no_tag_risk": ("Without feature categories every user has the same primary tag: there is no risk by tag.",
                       "没有功能类别时所有用户的主标签相同,因此不按主标签分列风险。"),
    # the contact-list explorer of the value-and-risk notebook (toolkit/report/widgets.py)
    "primary_tag": ("primary tag", "主标签"),
    "user": ("user", "用户"),
    "vr_min_probability": ("lowest churn probability (%)", "最低流失概率(%)"),
    "vr_chosen": ("{n} users chosen; expected inactive in {month}: {e} ({share} of them).",
                  "已选 {n} 位用户;预计 {month} 不活跃 {e} 位(占 {share})。"),
    "vr_backtest": ("Held against {month}, a month the model had not learned from: of the {n} users{who} it put at a "
                    "probability of {p} or more, it predicted {pred} inactive the month after and {obs} were.",
                    "回看模型未学过的 {month}:模型给出流失概率不低于 {p} 的 {n} 位{who}用户,预测 {pred} 次月不活跃,实际为 {obs}。"),
    "vr_backtest_all": (" (of every tier and tag: that month is not told apart by them)", "(不分价值分层和主标签)"),
    "vr_backtest_high": (" Read the expected number above as too high by about that much.",
                         "上面的预计人数据此看可能偏高。"),
    "vr_backtest_low": (" Read the expected number above as too low by about that much.",
                        "上面的预计人数据此看可能偏低。"),
    "vr_none_chosen": ("No user active this month matches these choices.", "本月没有符合所选条件的活跃用户。"),
    "vr_none_above": ("None of the {n} users of these choices is at or above {p}: lower the lowest probability.",
                      "所选条件下的 {n} 位用户都低于 {p}:请降低最低流失概率。"),
    "vr_saving": ("Saving {n} users to {path} ...", "正在将 {n} 位用户保存到 {path} ……"),
    "vr_probability_of": ("probability inactive in {month}", "{month} 不活跃概率"),
    "vr_reasons_of": ("reasons (from {month}'s data)", "原因(基于 {month} 的数据)"),
    "vr_by_state": ("by lifecycle state", "按用户分群"),
    "vr_by_tier": ("by value tier", "按价值分层"),
    "vr_by_tag": ("by primary tag", "按主标签"),
    "vr_top_shown": ("The {n} riskiest of them, with the model's reasons: the features whose value raises this user's "
                     "risk most, a typical user's value beside. A reason is what the model learned went with leaving, "
                     "not a cause: a value below the typical one can raise the risk as well as one above (days since "
                     "last active 0, or orders (3 months) 10 (typical 0): in the months it learned from, such users "
                     "left more often).",
                     "其中风险最高的 {n} 位及模型给出的原因:最推高该用户风险的特征,括号内为典型用户的值。原因是模型从过去"
                     "学到的与流失相伴的特征,不是流失的原因:低于或高于典型值都可能推高风险(如“距最近活跃天数 0”或"
                     "“近3个月订单数 10(典型 0)”:在模型学习的月份里,这样的用户流失得更多)。"),
    "vr_start": ("It starts at {p}: the riskiest tenth of this month's active users are at or above it.",
                 "初始值 {p}:本月活跃用户中风险最高的十分之一不低于此值。"),
    "vr_risk_hist": ("Churn probability of the users matching the choices above",
                     "符合上方所选条件的用户的流失概率分布"),
    "vr_probability_in": ("probability of being inactive in {month}", "{month} 不活跃的概率"),
    "vr_users_log": ("users (log scale)", "用户数(对数刻度)"),
    "vr_at_or_above": ("chosen: at or above {p}", "已选:不低于 {p}"),
    "vr_below": ("below {p}", "低于 {p}"),
    "vr_file": ("file (.csv or .xlsx)", "文件(.csv 或 .xlsx)"),
    "vr_save": ("Save the list", "保存名单"),
    "vr_sheet": ("contact list", "名单"),
    "vr_saved": ("Saved {n} users to {path}.", "已将 {n} 位用户保存到 {path}。"),
    "vr_replaced": ("Saved {n} users to {path} (the earlier file of that name replaced).",
                    "已将 {n} 位用户保存到 {path}(替换了同名的旧文件)。"),
    "vr_nothing_to_save": ("No user is chosen: nothing saved. Lower the lowest probability or widen the choices.",
                           "没有选中的用户,未保存。请降低最低流失概率或放宽条件。"),
    "vr_empty_name": ("(no file name)", "(未填文件名)"),
    "vr_bad_file": ("{name}: the file name must end in .csv or .xlsx.", "{name}:文件名须以 .csv 或 .xlsx 结尾。"),
    "vr_no_folder": ("Could not write {path}: the folder {folder} does not exist. Create it or pick another.",
                     "无法写入 {path}:文件夹 {folder} 不存在。请先创建或换一个文件夹。"),
    "vr_no_permission": ("no permission to write there", "没有写入权限"),
    "vr_no_contact_list": ("No churn model this month (see above), so no list of users at risk.",
                           "本月没有流失预警模型(见上文),因此没有风险用户名单。"),
    "vr_not_saved": ("Could not write {path}: {reason}. Pick another folder or file name.",
                     "无法写入 {path}:{reason}。请换一个文件夹或文件名。"),
    "vr_no_risk_by": ("No churn model this month (see above), so no risk by state, value tier or tag.",
                      "本月没有流失预警模型(见上文),因此不按分群、价值分层与主标签计算流失风险。"),
}


def _pick(pair, lang):
    en, zh = pair
    return zh if lang == "zh" else en


def t(key: str, lang: str = "zh") -> str:
    return _pick(TEXT[key], lang)


def segment_column(by: str, lang: str = "zh", names: dict | None = None) -> str:
    """The name of the users column ``by`` in charts: from ``names`` (the configuration's
    ``segment_names``, {column: {language: name}}), else this table's name for the sample's
    columns (channel, city), else the column's own name."""
    given = (names or {}).get(by) or {}
    if given.get(lang):
        return given[lang]
    key = f"segment_column_{by}"
    return t(key, lang) if key in TEXT else str(by)


def state(name: str, lang: str = "zh") -> str:
    if lang == "zh":
        if name == "not entered":
            return t("not entered", lang)
        return {"any": "任意分群"}.get(name) or STATE_ZH.get(name, name)
    return STATE_EN.get(name, name)


def rate(name: str, lang: str = "zh") -> str:
    return RATE_ZH.get(name, name) if lang == "zh" else RATE_EN.get(name, name)


def category(name: str, lang: str = "zh") -> str:
    """A preference category's label; a category the table does not know is shown as the data name it is."""
    table = CATEGORY_ZH if lang == "zh" else CATEGORY_EN
    return table.get(name, name)


def method(name: str, lang: str = "zh") -> str:
    return _pick(METHOD[name], lang) if name in METHOD else name


def metric(name: str, lang: str = "zh") -> str:
    """A campaign's goal metric: one of the rates, or a word of METRIC; else as the data name it."""
    if name in RATE_EN:
        return rate(name, lang)
    return _pick(METRIC[name], lang) if name in METRIC else name


def section(key: str, lang: str = "zh") -> str:
    return t(f"sec_{key}", lang) if f"sec_{key}" in TEXT else key


def shown(rate: float) -> float:
    """A rate in percent as the pages show it (one decimal: 0.45355 -> 45.4)."""
    return float(f"{rate * 100:.1f}")


def shown_change(now: float, before: float) -> float:
    """The change from ``before`` to ``now`` in points, from the two rates as shown: 44.1% ->
    45.4% is +1.3 points, even when the unrounded rates differ by 1.24 (a reader checks the
    subtraction)."""
    return round(shown(now) - shown(before), 1)


def money(header: str, currency: str = "", lang: str = "zh") -> str:
    """A column header of money with the configured unit: 'revenue in the window (£)'."""
    if not currency:
        return header
    return f"{header}({currency})" if lang == "zh" else f"{header} ({currency})"


def points(x: float, lang: str = "zh", signed: bool = True) -> str:
    """A difference of two rates in points: '+3.2 个百分点' / '+3.2 points'."""
    v = x * 100
    return f"{v:+z.1f} {t('points', lang)}" if signed else f"{abs(v):.1f} {t('points', lang)}"


def times(x: float, lang: str = "zh") -> str:
    """A ratio to ordinary days as a reader of the language writes it: '1.63 倍' / '1.63x'."""
    return f"{x:.2f} 倍" if lang == "zh" else f"{x:.2f}x"


def p_value(p) -> str:
    """A p-value as a reader takes it: '< 0.001', else three decimals; '' when unknown."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def capital(s: str) -> str:
    return s[:1].upper() + s[1:]


NOTES = {
    "no_signal": ("This data has no offline signal (an activity outside the app, such as driving a connected car "
                  "or visiting a store), so churned users are not split by it. (For the analyst: list the signal's "
                  "event names under signal_events in the configuration.)",
                  "该数据没有线下信号(应用之外的活动,如开车或到店),流失用户不按信号拆分。(分析师:在配置的 signal_events 中列出信号事件名即可加入。)"),
    "no_campaigns": ("No campaigns to measure in this data. (For the analyst: add the campaigns and "
                     "campaign_members tables, see docs/data.md.)",
                     "该数据中没有可评估的活动。(分析师:加入 campaigns 与 campaign_members 两张表即可评估,见 docs/data.md。)"),
    "no_holidays": ("No holiday window with enough ordinary days around it in the data period.",
                    "数据期间内没有前后有足够平日可比较的节假日窗口。"),
    "no_feature_map": ("This data set has no feature categories, so there are no preference tags to show. (For the "
                       "analyst: add feature_map.csv, event name → category, to the data folder.)",
                       "该数据集没有功能类别,因此没有偏好标签可展示。(分析师:在数据文件夹中加入 feature_map.csv,"
                       "即事件名 → 类别,即可查看偏好。)"),
    "no_feature_map_again": ("Not available without feature categories (see above).", "没有功能类别,不适用(见上文)。"),
    "no_rules": ("No scene rules (automated pushes) for this data set. (For the analyst: put scene_rules.csv or "
                 ".yaml in the data folder, or pass the rules parameter, to list each rule's audience and lift.)",
                 "该数据集没有自动化场景规则。(分析师:在数据文件夹中放入 scene_rules.csv 或 .yaml,或传入 rules 参数,"
                 "即可列出各规则的受众与效果。)"),
    "activated_undefined": ("Activation is not defined for this data: it counts users of a feature (an event with a "
                            "category in feature_map) in their entry month, and no event has a category.",
                            "该数据无法定义激活:激活指注册当月使用过某个功能(feature_map 中有类别的事件),而数据中没有带类别的事件。"),
    "paying_undefined": ("Paying is not defined for this data: there is no orders table.",
                         "该数据无法定义付费:没有 orders 表。"),
    "referring_undefined": ("Referral is not defined for this data: it has no referral events. (For the analyst: "
                            "referral_events in the configuration file named at the top of the page, e.g. [invite_sent, share].)",
                            "该数据无法定义推荐:没有推荐事件。(分析师:在页首所列配置文件的 referral_events 中配置,"
                            "例如 [invite_sent, share]。)"),
    "funnel_window_open": ("A step reads \"not over yet\" for the cohorts whose window has not ended: retained needs "
                           "the month after entry, paying and revenue the entry month and the two after.",
                           "窗口尚未结束的注册月显示“未满期”:次月留存需要注册后一个月的数据,付费与收入需要注册当月及之后两个月。"),
    "funnel_window_empty": ("Steps are empty for the cohorts whose window has not ended: retained needs the month after "
                            "entry, paying and revenue the entry month and the two after.",
                            "窗口尚未结束的注册月,相应步骤为空:次月留存需要注册后一个月的数据,付费与收入需要注册当月及之后两个月。"),
    "paying_trivial": ("Every user entered with a purchase, so paying is 100% by construction.",
                       "每位用户都以一次购买进入,因此付费比例必然为 100%。"),
    "no_tag_movement": ("No user carried a primary tag last month or this month.",
                        "上月与本月都没有带主标签的用户。"),
}

GLOSSARY = {
    "lifecycle": [
        ("states", "用户分群", "every user who has entered by the month's end is in one: new (entered this month), "
         "retained new (entered last month, active this month), active (entered earlier, active this month and last), "
         "woken (active after fewer months inactive than the churn window), returned (active after the churn window or "
         "more inactive), dormant (inactive, fewer months in a row than the churn window), churned (inactive for the "
         "churn window or more). A user counts as active in the entry month.",
         "截至月末已进入的用户各属其一:新用户(本月进入)、上月新用户(留存)(上月进入、本月活跃)、活跃用户(更早进入,"
         "本月和上月都活跃)、唤醒用户(不活跃月数少于流失标准后本月活跃)、回流用户(不活跃达到流失标准后本月活跃)、"
         "休眠用户(本月不活跃,连续不活跃月数少于流失标准)、流失用户(连续不活跃月数达到流失标准)。进入当月算作活跃。"),
        ("old active users", "老活跃用户", "the month's active users other than the new: retained new, active, woken "
         "and returned; the pool of next month's old-user retention. Monthly active users (MAU) = new + old active.",
         "当月活跃用户中除新用户以外的:上月新用户(留存)、活跃用户、唤醒用户与回流用户;是次月老用户留存率的分母。"
         "月活跃用户(MAU)= 新用户 + 老活跃用户。"),
        ("monthly active rate", "月活率", "monthly active users (MAU) over all users who have entered by the month's end.",
         "当月活跃用户(MAU)÷ 截至月末累计进入的用户。"),
        ("old-user retention", "老用户次月留存率", "share of last month's old active users active this month.",
         "上月老活跃用户中本月仍活跃的比例。"),
        ("new-user retention", "新用户次月留存率", "share of last month's new users active this month.",
         "上月新用户中本月活跃的比例。"),
        ("wake rate", "唤醒率", "share of last month's dormant users (inactive for less than the churn window) active "
         "this month.", "上月休眠用户(未活跃月数少于流失标准)中本月活跃的比例。"),
        ("return rate", "回流率", "share of last month's churned users (inactive for the churn window or longer) active "
         "this month.", "上月流失用户(未活跃月数达到流失标准)中本月活跃的比例。"),
        ("retention cohort", "留存矩阵", "users entering in a month; m0, m1, ... (0, 1, ... on the charts' axis) is the "
         "share of them active that many months after entry (m0 is always 100%). A retention curve by segment pools "
         "every cohort old enough for each month since entry (weighted by size), so its later months come from the "
         "oldest cohorts only.",
         "同月进入的用户;m0、m1……(图中横轴的 0、1……)为进入后第几个月仍活跃的比例(m0 恒为 100%)。"
         "按分组的留存曲线把每个足够早的同期群合并(按人数加权),因此曲线越往后只来自越早的同期群。"),
    ],
    "periods": [
        ("daily users vs ordinary days", "日活/平日", "daily active users in a holiday window against ordinary days on "
         "the same weekdays in the weeks around it, as a multiple; estimated by a regression that also allows for the "
         "weekday, the month and a trend over those weeks, so it is near the ratio of the two means but not always "
         "equal to it (a window at a month's low start is compared with what such days would be: the window's chart "
         "draws that as a dashed red line); 1 means no change, below 1 a drop.",
         "节假日窗口日活相对前后几周同星期平日的倍数;由回归估计,同时考虑星期、月份和这几周的趋势,因此接近两者均值之比,"
         "但不总相等(例如位于月初低谷的节假日,是与月初平日的预期相比,窗口图中以红色虚线画出);1 表示无变化,低于 1 表示下降。"),
        ("campaign difference", "活动差异", "goal metric of the treatment arm minus the control arm, in points.",
         "实验组目标指标减对照组,单位为百分点。"),
        ("funnel", "漏斗", "of the users entering in a month: activated (used a feature), retained next month, paid "
         "within three months, referred.", "当月进入的用户中:激活(使用过功能)、次月留存、3个月内付费、推荐的比例。"),
        ("revenue per user / payer", "人均收入 / 付费用户人均收入", "the cohort's order amounts in the entry month "
         "and the two after, over its users / over its paying users.",
         "同期用户在进入当月及之后两个月的订单金额 ÷ 用户数 / ÷ 付费用户数。"),
        ("AARRR funnel", "增长漏斗(AARRR)", "acquisition, activation, retention, revenue, referral: the five steps a "
         "month's new users go through (the funnel above).",
         "获客、激活、留存、变现、推荐:当月新进入用户依次经过的五步(即上面的漏斗)。"),
        ("stickiness", "粘性", "mean daily active users over monthly active users.", "日均活跃用户 ÷ 月活跃用户。"),
        ("difference-in-differences", "双重差分", "for a campaign without a control arm: the members' change from "
         "before to during the campaign, minus everyone else's change over the same days; what the members gained "
         "beyond the month's common movement.",
         "用于没有对照组的活动:活动成员从活动前到活动期间的变化,减去其他用户同期的变化;即扣除大盘共同变化后成员多出的部分。"),
        ("p-value", "p值", "the chance of a difference at least this large between the arms if the campaign had no "
         "effect; below 0.05 the difference is unlikely to be chance.",
         "若活动没有效果,两组之间出现至少这么大差异的概率;低于 0.05 时差异不太可能是偶然。"),
        ("arm split (SRM)", "分组比例(SRM)", "whether the arms' sizes match the planned treatment share (a chi-square "
         "test); off plan means the assignment went wrong and the difference cannot be trusted.",
         "两组人数是否符合计划的实验组比例(卡方检验);异常说明分组出了问题,差异不可信。"),
    ],
    "value_risk": [
        ("RFM tiers", "RFM 价值分层", "recency (days since the last order), frequency (orders) and monetary (amount) "
         "over the window, each scored 1 to 5 by quantile; high = a score above half the top score (3, 4 or 5 of 5, "
         "so a high recency can be a customer who has not ordered for two months where most have not for longer). "
         "Users without an order in the window are not scored, even when active; data without any orders are scored "
         "on activity instead (RF).",
         "窗口内的最近购买间隔、购买次数与金额,按分位数打 1-5 分;得分高于满分的一半(5 分中的 3、4、5 分)为“高”"
         "(多数人很久未购买时,两个月未购买也可能是最近购买间隔“高”)。窗口内没有购买的用户不分层(即使活跃);"
         "数据中完全没有订单时改按活跃计算(RF)。"),
        ("churn probability", "流失概率", "the chance that a user active this month is inactive next month, from the "
         "model chosen on a validation month.", "本月活跃用户下月不活跃的概率,由验证月选出的模型给出。"),
        ("expected inactive", "预计不活跃人数", "the sum of a group's churn probabilities: how many of its users the "
         "model expects to be inactive the month after; in the model table, of the month before's active users, "
         "beside how many were.", "一组用户流失概率之和,即模型预计其中次月不活跃的人数;模型表中为上月活跃用户的预计数,旁边是实际数。"),
        ("precision and recall, top 10%", "前10%精确率与召回率", "of the 10% of users the model ranks riskiest, "
         "the share who were inactive the month after (precision); of all who were inactive, the share among those "
         "10% (recall).", "模型排在风险最高的 10% 的用户中次月确实不活跃的比例(精确率);所有次月不活跃的用户中落在这 10% "
         "里的比例(召回率)。"),
        ("AUC, validation month", "验证月 AUC", "the AUC on the month used to choose between the two models "
         "(the month before the evaluation month).", "用于在两种模型间选择的月份(评估月的前一个月)上的 AUC。"),
        ("calibration gap", "校准误差", "the mean difference, in points, between the predicted and the observed "
         "share inactive over ten equal groups of users ranked by risk: the totals can agree while some groups are "
         "off.", "按风险把用户分为人数相等的十组,各组预测与实际不活跃比例之差(百分点)的平均:总数一致时个别组仍可能偏离。"),
        ("out-of-time AUC", "样本外 AUC", "how well the risk ranks users who went inactive above those who did not, on "
         "the latest month whose outcome is known (0.5 = chance, 1 = perfect).",
         "在最近一个已知结果的月份上,风险排序区分次月不活跃与活跃用户的能力(0.5 为随机,1 为完美)。"),
        ("correlation", "相关系数", "between -1 and +1: how closely two monthly KPIs move together (+1: always the "
         "same way, -1: always opposite, 0: unrelated). On monthly levels it is Spearman's (by rank), on month-on-month "
         "changes Pearson's (two KPIs that both grow correlate on levels by that alone); an association, not a cause.",
         "介于 -1 与 +1 之间,表示两个月度指标同步变化的程度(+1:总是同向,-1:总是反向,0:无关)。月度水平用斯皮尔曼秩相关(Spearman)"
         "(按排名),环比变化用皮尔逊相关(Pearson)(两个都在增长的指标仅因此就会在水平上相关);表示相关,不代表因果。"),
        ("logistic regression, gradient boosting", "逻辑回归、梯度提升树", "the two models the churn warning fits: a "
         "logistic regression weighs each feature once; gradient boosting adds many small decision trees and can "
         "catch combinations of features. The one that ranked users better on the validation month is used.",
         "流失预警拟合的两种模型:逻辑回归对每个特征各给一个权重;梯度提升树由许多小决策树累加而成,能捕捉特征之间的组合。"
         "使用在验证月上排序效果更好的一个。"),
        ("pushes sent, holiday days, campaigns", "推送数、节假日天数、活动数", "in the correlations: the scene rules' pushes "
         "sent in the month (the pushes table), the days of holiday windows in it, the campaigns running in it.",
         "相关性中的月度指标:当月自动化场景规则发出的推送条数(pushes 表)、节假日窗口的天数、进行中的活动个数。"),
        ("ICE", "ICE", "impact × confidence × ease, each 1-10, scored by the analyst; reach is shown beside it.",
         "影响 × 信心 × 容易度,各 1-10 分,由分析师打分;覆盖人数列在旁边。"),
        ("primary tag", "主标签", "the feature category on most of a user's active days in the last three months; "
         "no tag: active, but without an event of any category in them (e.g. only opening the app).",
         "近三个月用户活跃天数中使用最多的功能类别;无标签:有活跃,但这三个月没有任何类别的事件(如只打开应用)。"),
    ],
    "preferences": [
        ("category share", "类别占比", "of a user's active days in the last three months, the share with an event of "
         "the category.", "近三个月用户活跃天数中,使用过该类别的天数占比。"),
        ("tag", "标签", "every category whose share reaches the threshold ([threshold] here); a tag's share of users is "
         "of the users of a feature in the three months; the primary tag is the largest share, even below the "
         "threshold (a user can have a primary tag and no tag); "
         "no tag: no event of any category in the three months (inactive, or active with uncategorised events only, "
         "such as opening the app).",
         "占比达到阈值(本页为 [threshold])的每个类别;标签的用户占比以近三个月使用过功能的用户为分母;主标签为占比最大的类别,"
         "即使低于阈值(用户可能有主标签而无标签);无标签:近三个月没有任何类别的事件(未活跃,或只有未归类的事件,如打开应用)。"),
        ("mean share", "平均占比", "the tag table's: over the users of a feature in the three months; the chart by "
         "state and the explorer's: over every user active in them, zeros included for those who only opened the app.",
         "标签表中:以近三个月使用过功能的用户计;分群图和交互探索中:以近三个月所有活跃用户计,只打开应用的用户按 0 计入。"),
        ("scene lift", "场景提升", "reactivation within 30 days of the push, treatment minus control, in points.",
         "推送后 30 天内回访率,实验组减对照组,单位为百分点。"),
    ],
}


_ANALYST = re.compile(r"\s*[((](For the analyst: |分析师:)(.*)[))]\s*$", re.S)


def for_summary(text: str) -> str:
    """``text`` without its closing "(For the analyst: ...)": the manager's summary gives what is
    missing, not how to set it up."""
    return _ANALYST.sub("", text)


def for_page(text: str) -> str:
    """``text`` with its closing "(For the analyst: ...)" set apart in italics (Markdown): what is
    missing reads first, the setup stays for the analyst.  (Inline HTML such as a small grey
    span lost its text in the rendered page.)"""
    m = _ANALYST.search(text)
    if not m:
        return text
    aside = m.group(0).strip().replace("*", "\\*")
    return text[:m.start()] + " *" + aside + "*"


def note(key: str, lang: str = "zh") -> str:
    """One line saying what is absent from the data and how to add it."""
    return _pick(NOTES[key], lang)


GLOSSARY_VALUES = {"threshold": 0.3}    # the settings a glossary names ([threshold]), when the page gives none


def _filled(text: str, values: dict) -> str:
    """``text`` with each ``[setting]`` it names replaced by the page's value (a share, as a percentage)."""
    for key, value in {**GLOSSARY_VALUES, **values}.items():
        text = text.replace(f"[{key}]", f"{value:.0%}")
    return text


def definition(section_key: str, term: str, lang: str = "zh", **values) -> str:
    """The glossary's definition of ``term`` (its English name) in ``section_key`` (``values`` as
    in :func:`glossary`)."""
    for en, _zh, den, dzh in GLOSSARY[section_key]:
        if en == term:
            return _filled(dzh if lang == "zh" else den, values)
    raise KeyError(term)


def glossary(section_key: str, lang: str = "zh", **values) -> str:
    """The section's glossary as Markdown: a heading and one line per term (domain.md); ``values``
    are the page's settings the definitions name (``threshold``: the tag threshold it used, shown
    as a percentage: a page run with 0.5 said "default 0.3")."""
    head = "### 术语说明" if lang == "zh" else "### Glossary"
    lines = [f"- **{zh if lang == 'zh' else en}**:{_filled(dzh, values)}" if lang == "zh" else
             f"- **{en}**: {_filled(den, values)}" for en, zh, den, dzh in GLOSSARY[section_key]]
    return "\n".join([head, *lines])
