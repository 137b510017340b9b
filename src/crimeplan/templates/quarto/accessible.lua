-- Pandoc filter for the built-in renderer: tables and headings a screen reader can use.
--
-- Tables. HTML: column headers <th scope="col">, the first cell of each body row a row
-- header <th scope="row">, the table inside a labelled, focusable scroll region so that
-- a wide table scrolls on its own instead of widening the page (WCAG 1.4.10).
-- Typst: a table whose columns are sized by their content at layout time
-- (`crimeplan-table` in update.typ), with a repeating header row; every table is a
-- figure with its caption.
-- A table without a caption is captioned by the heading it is under.
-- A body row whose first cell is one bold run and whose other cells are empty is a group
-- header (such as a priority over its measures in the scorecard): one cell across the
-- table, `<th scope="rowgroup" colspan=...>` in HTML.
--
-- Headings. No two headings may read the same (WCAG 2.4.6): a repeated heading gets the
-- name of the priority (the level-1 heading) it is under.
-- Typst: a paragraph of bold text only (a run-in heading such as "Key figures" over its
-- list) is kept on the page of what follows it, as Typst keeps headings.

local stringify = pandoc.utils.stringify

local function is_html()
  return FORMAT:match("html") ~= nil
end

local function typst_string(text)
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " ") .. '"'
end

local function typst_content(blocks)
  local source = pandoc.write(pandoc.Pandoc(blocks), "typst")
  return "[" .. source:gsub("%s+$", "") .. "]"
end

-- What starts the line between two cells' contents: no text can write it (the writer
-- escapes a "#" in text), only this filter's own raw block.
local CELL_BREAK = "#crimeplan-cell-break"

-- typst_content of each cell, in order, from one run of the writer for them all (a run
-- per cell was most of the filter's time).
local function typst_contents(cells)
  local blocks = pandoc.Blocks({})
  for i, cell in ipairs(cells) do
    if i > 1 then
      blocks[#blocks + 1] = pandoc.RawBlock("typst", CELL_BREAK)
    end
    blocks:extend(cell.contents)
  end
  local source = "\n" .. pandoc.write(pandoc.Pandoc(blocks), "typst")
  local contents, start = {}, 1
  while #contents < #cells do
    local from, to = source:find("\n" .. CELL_BREAK, start, true)
    local piece = source:sub(start, (from or 0) - 1)
    contents[#contents + 1] = "[" .. piece:gsub("^%s+", ""):gsub("%s+$", "") .. "]"
    start = (to or #source) + 1
  end
  return contents
end

local function align_name(alignment)
  if alignment == "AlignRight" then return "right" end
  if alignment == "AlignCenter" then return "center" end
  return "left"
end

local function cell_text(cell)
  return stringify(cell.contents)
end

local function is_group_row(row)
  local first = row.cells[1].contents
  if #row.cells < 2 or #first ~= 1 or first[1].t ~= "Plain" or #first[1].content ~= 1
      or first[1].content[1].t ~= "Strong" then
    return false
  end
  for i = 2, #row.cells do
    if cell_text(row.cells[i]) ~= "" then return false end
  end
  return true
end

-- Typst source for one table: crimeplan-table(caption, aligns, header, rows), where
-- header and rows are arrays of (text, content) pairs: text to measure, content to show.
local function typst_table(tbl, caption)
  local aligns = {}
  for _, spec in ipairs(tbl.colspecs) do
    aligns[#aligns + 1] = align_name(spec[1])
  end
  -- The header row, if any, then the body rows.
  local shown_rows = { tbl.head.rows[1] }
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      shown_rows[#shown_rows + 1] = row
    end
  end
  -- A group row shows its first cell only, which crimeplan-table spans across the table.
  local function shown_cells(row)
    return is_group_row(row) and { row.cells[1] } or row.cells
  end
  local cells = pandoc.List()
  for _, row in ipairs(shown_rows) do
    cells:extend(shown_cells(row))
  end
  local contents = typst_contents(cells)
  local rows, next_cell = {}, 0
  for _, row in ipairs(shown_rows) do
    local row_cells = {}
    for _, cell in ipairs(shown_cells(row)) do
      next_cell = next_cell + 1
      row_cells[#row_cells + 1] = "(" .. typst_string(cell_text(cell)) .. ", " .. contents[next_cell] .. ")"
    end
    rows[#rows + 1] = "(" .. table.concat(row_cells, ", ") .. ",)"
  end
  local header = "()"
  if #tbl.head.rows > 0 then
    header = table.remove(rows, 1)
  end
  return "#crimeplan-table(\n  caption: " .. typst_string(caption)
    .. ",\n  aligns: (" .. table.concat(aligns, ", ") .. ",),"
    .. "\n  header: " .. header .. ","
    .. "\n  rows: (\n    " .. table.concat(rows, ",\n    ") .. ",\n  ),\n)"
end

local function html_table(tbl, caption)
  for _, row in ipairs(tbl.head.rows) do
    for _, cell in ipairs(row.cells) do
      cell.attributes.scope = "col"
    end
  end
  -- Each group header starts a body of its own, as that body's head row: one cell across
  -- the table (a body's row-head column would clip it), read as the header of its rows.
  local bodies = {}
  for _, body in ipairs(tbl.bodies) do
    local current = nil
    for _, row in ipairs(body.body) do
      if is_group_row(row) or current == nil then
        current = { attr = body.attr, head = {}, body = {}, row_head_columns = 1 }
        bodies[#bodies + 1] = current
      end
      if is_group_row(row) then
        local cell = row.cells[1]
        cell.col_span = #row.cells
        cell.attributes.scope = "rowgroup"
        current.head = { pandoc.Row({ cell }, row.attr) }
      else
        row.cells[1].attributes.scope = "row"
        current.body[#current.body + 1] = row
      end
    end
  end
  tbl.bodies = bodies
  -- attributes as a list of pairs, so that they are written in this order every time
  return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" }, {
    { "role", "region" }, { "aria-label", caption }, { "tabindex", "0" },
  }))
end

-- A paragraph that is one bold run, such as "**Key figures**" over a list.
local function is_run_in_heading(block)
  return block.t == "Para" and #block.content == 1 and block.content[1].t == "Strong"
end

local function count_headings(doc)
  local counts = {}
  doc:walk({
    Header = function(header)
      local text = stringify(header)
      counts[text] = (counts[text] or 0) + 1
    end,
  })
  return counts
end

function Pandoc(doc)
  local counts = count_headings(doc)
  local priority = nil -- the current level-1 heading, e.g. "Priority 1 – More Local, ..."
  local last_heading = nil
  local blocks = {}
  for _, block in ipairs(doc.blocks) do
    if block.t == "Header" then
      local text = stringify(block)
      if block.level == 1 then
        priority = text
      elseif counts[text] > 1 and priority then
        local short = priority:match("^(Priority %d+)") or priority
        block.content = pandoc.Inlines({ pandoc.Str(short .. ":"), pandoc.Space() }) .. block.content
        text = stringify(block)
      end
      last_heading = text
      blocks[#blocks + 1] = block
    elseif block.t == "Table" then
      local caption = stringify(block.caption.long)
      if caption == "" then
        caption = last_heading or "Table"
        block.caption.long = { pandoc.Plain({ pandoc.Str(caption) }) }
      end
      if is_html() then
        blocks[#blocks + 1] = html_table(block, caption)
      else
        blocks[#blocks + 1] = pandoc.RawBlock("typst", typst_table(block, caption))
      end
    elseif is_run_in_heading(block) and not is_html() then
      blocks[#blocks + 1] = pandoc.RawBlock("typst", "#block(sticky: true)" .. typst_content({ block }))
    else
      blocks[#blocks + 1] = block
    end
  end
  doc.blocks = blocks
  return doc
end
