/// The report page's style sheet: plain, readable, printable, light or dark with the system.
enum HTMLStyle {
    static let source = """
        :root { --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; --pass: #1a7f37; --fail: #cf222e; --error: #9a6700; --base: #8c959f; --ins: #dafbe1; --del: #ffebe9; }
        @media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23; --ins: #1f3d29; --del: #4a1d1f; } }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
        main { max-width: 1280px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 0; }
        h4 { font-size: 13px; margin: 0 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
        h5 { font-size: 13px; margin: 8px 0 4px; }
        .verdict { border-left: 6px solid var(--base); padding: 8px 16px; background: var(--panel); margin-bottom: 16px; }
        .verdict.pass { border-color: var(--pass); } .verdict.regression { border-color: var(--fail); } .verdict.incomplete { border-color: var(--error); }
        .muted, .meta { color: var(--muted); }
        .mono, pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th[data-sort] { cursor: pointer; user-select: none; white-space: nowrap; }
        th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
        td.num, th.num { text-align: right; white-space: nowrap; }
        td.reason { max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); }
        #case-rows tr { cursor: pointer; } #case-rows tr:hover, #case-rows tr:focus { background: var(--panel); outline: none; }
        .overview { display: grid; grid-template-columns: minmax(0, 1fr) 360px; gap: 24px; align-items: start; }
        @media (max-width: 900px) { .overview { grid-template-columns: 1fr; } }
        svg text { fill: var(--fg); font: 11px system-ui, sans-serif; }
        .badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; border: 1px solid var(--line); margin-right: 4px; }
        .badge.pass { color: var(--pass); border-color: var(--pass); } .badge.fail { color: var(--fail); border-color: var(--fail); } .badge.error { color: var(--error); border-color: var(--error); }
        .badge.change-regressed { background: var(--fail); color: #fff; border-color: var(--fail); } .badge.change-fixed { color: var(--pass); }
        .controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
        select, input, button { font: inherit; padding: 3px 6px; background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; }
        #pager { display: flex; gap: 12px; align-items: center; margin: 8px 0; }
        #detail { margin-top: 20px; border: 1px solid var(--line); border-radius: 6px; padding: 16px; background: var(--bg); }
        .detail-head { display: flex; gap: 10px; align-items: center; margin-bottom: 8px; } .detail-head .close { margin-left: auto; }
        .part { margin-top: 14px; }
        .field { display: inline-block; margin-right: 18px; } .field .label { margin-right: 6px; }
        pre.output { white-space: pre-wrap; word-break: break-word; background: var(--panel); padding: 8px; border-radius: 4px; margin: 0; max-height: 480px; overflow: auto; }
        .sides { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; } .sides.single { grid-template-columns: 1fr; }
        .side-title { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
        ins { background: var(--ins); text-decoration: none; } del { background: var(--del); text-decoration: line-through; }
        ul.checks { list-style: none; padding: 0; margin: 0; } ul.checks li { padding: 2px 0; }
        ul.checks .mark { display: inline-block; width: 18px; } ul.checks .ok .mark { color: var(--pass); } ul.checks .bad .mark { color: var(--fail); }
        ul.checks .mono { margin-right: 6px; }
        .error { color: var(--error); }
        ol.regressions li { margin-bottom: 4px; }
        """
}
